using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Calls of jobs through the bus. Request–poll: a request becomes an event of the job's own request source
/// (<c>calls.&lt;job&gt;</c> unless the job declares one; stored in the event center, never in another source), the call goes
/// to the calls topic, a call worker of any runtime process computes it and stores the answer; the POST waits up to
/// <c>wait</c> ms and answers 200 with the result when it is ready (one synchronous call), else 202 with the URL to
/// poll. Request–message: with <c>reply</c>, the POST answers 202 once the call is on the bus and the answer is
/// published to the caller's RabbitMQ exchange and routing key.
/// </summary>
public static class RequestsApi
{
    /// <summary>Longest wait a POST may ask for.</summary>
    public const int MaxWaitMs = 30_000;

    /// <summary>Wait when the POST names none.</summary>
    public const int DefaultWaitMs = 1_000;

    /// <summary>Maps <c>/api/jobs/{job}/requests</c>.</summary>
    public static IEndpointRouteBuilder MapRequestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs/{job}/requests").WithTags("Requests").RequireAuthorization(Roles.ReadPolicy);
        group.MapPost("/", PostAsync).RequireAuthorization(Roles.ForwardPolicy)
            .WithSummary("Call the job: 200 with the result if ready within `wait` ms, else 202 with the URL to poll; with `reply`, 202 at once and the answer goes to RabbitMQ");
        group.MapGet("/{requestId}", PollAsync).WithSummary("The result of a request: 200 when answered (state done or failed), 202 while computing, 404 when unknown");
        return app;
    }

    /// <summary>A request: the event the job runs on.</summary>
    /// <param name="Key">Entity key. Required.</param>
    /// <param name="Data">The event's data (a JSON object).</param>
    /// <param name="Source">The source the request is an event of: only the job's request source is allowed (leave it out).</param>
    /// <param name="Time">Event time (ms since 1970, UTC); default: now. Checked like every ingested event's time.</param>
    /// <param name="RequestId">The caller's id (idempotent retries); default: a new id.</param>
    /// <param name="Reply">Request–message: publish the answer to this RabbitMQ exchange and routing key.</param>
    public sealed record RequestBody(string Key, JsonElement? Data = null, string? Source = null, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.NullableTimeJsonConverter))] long? Time = null, string? RequestId = null, ReplyTo? Reply = null);

    /// <summary>Where a request–message answer goes.</summary>
    /// <param name="Exchange">The RabbitMQ exchange (must exist; "" is the default exchange, routing by queue name).</param>
    /// <param name="RoutingKey">The routing key.</param>
    public sealed record ReplyTo(string Exchange, string RoutingKey);

    /// <summary>The answer: the result rows when done, the error when failed.</summary>
    /// <param name="RequestId">The request id.</param>
    /// <param name="State"><c>done</c>, <c>failed</c> (the logic raised; see error), <c>computing</c>, or <c>accepted</c> (request–message).</param>
    /// <param name="JobVersion">The job version that ran.</param>
    /// <param name="Results">The result rows (column → value).</param>
    /// <param name="Error">"ErrorType: message" when failed.</param>
    /// <param name="Poll">The URL to poll.</param>
    public sealed record RequestAnswer(string RequestId, string State, string? JobVersion, IReadOnlyList<JsonElement>? Results, string? Error, string Poll)
    {
        /// <summary>The Python traceback when the logic raised.</summary>
        public string? Traceback { get; init; }
    }

    private static async Task<Results<Ok<RequestAnswer>, Accepted<RequestAnswer>, ProblemHttpResult>> PostAsync(
        string job, int? wait, HttpRequest http, [AsParameters] RequestsApiServices services, CancellationToken cancellationToken)
    {
        if (wait is < 0 or > MaxWaitMs)
        {
            return JsonBody.BadRequest($"wait must be 0..{MaxWaitMs} ms.");
        }
        var (body, problem) = await JsonBody.ReadAsync<RequestBody>(http, 1024 * 1024, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body is null || string.IsNullOrWhiteSpace(body.Key) || body.Key.Length > 1024)
        {
            return JsonBody.BadRequest("key is required (1-1024 characters).");
        }
        if (body.RequestId is { Length: 0 or > 512 })
        {
            return JsonBody.BadRequest("requestId must be 1-512 characters.");
        }
        if (!services.Runtime.Ready.IsCompletedSuccessfully || services.Runtime.Registry.Find(job) is not { } registered)
        {
            return TypedResults.Problem($"No job named '{job}' is running.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
        }
        var requestId = body.RequestId ?? "req-" + Guid.NewGuid().ToString("N");
        var poll = PollUrl(job, requestId);
        var reply = body.Reply is { } r ? new CallReplyTarget(r.Exchange, r.RoutingKey) : null;
        CallAnswer? answer;
        try
        {
            answer = await services.Calls.CallAsync(new CallRequest(registered.Name, body.Source, body.Key, body.Data?.GetRawText(), body.Time, requestId), reply,
                TimeSpan.FromMilliseconds(wait ?? DefaultWaitMs), cancellationToken);
        }
        catch (CallsUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Calls unavailable");
        }
        catch (CallRequestException e)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Title = $"Invalid field '{e.Field}'",
                Detail = e.Message,
                Status = StatusCodes.Status400BadRequest,
                Extensions = { ["errors"] = new Dictionary<string, string[]> { [e.Field] = [e.Message] } },
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return JsonBody.BadRequest(e.Message, "Request refused");
        }
        if (answer is null)
        {
            return TypedResults.Accepted(poll, new RequestAnswer(requestId, reply is null ? "computing" : "accepted", null, null, null, poll));
        }
        return TypedResults.Ok(Answer(answer, poll));
    }

    private static async Task<Results<Ok<RequestAnswer>, Accepted<RequestAnswer>, ProblemHttpResult>> PollAsync(
        string job, string requestId, [AsParameters] RequestsApiServices services, CancellationToken cancellationToken)
    {
        var poll = PollUrl(job, requestId);
        var (answer, known) = await services.Calls.PollAsync(job, requestId, cancellationToken);
        if (answer is not null)
        {
            return TypedResults.Ok(Answer(answer, poll));
        }
        return known
            ? TypedResults.Accepted(poll, new RequestAnswer(requestId, "computing", null, null, null, poll))
            : TypedResults.Problem($"No request '{requestId}' of job '{job}' is known.", statusCode: StatusCodes.Status404NotFound, title: "Unknown request");
    }

    private static string PollUrl(string job, string requestId) =>
        $"/api/jobs/{Uri.EscapeDataString(job)}/requests/{Uri.EscapeDataString(requestId)}";

    private static RequestAnswer Answer(CallAnswer answer, string poll) =>
        new(answer.RequestId, answer.State, answer.JobVersion, answer.Results, answer.Error, poll) { Traceback = answer.Traceback };
}

/// <summary>What the requests API's handlers use (bound with <c>[AsParameters]</c>, as the other API modules do).</summary>
/// <param name="Runtime">The runtime's start-up (ready or not) and its job registry.</param>
/// <param name="Calls">Accepts calls and answers polls.</param>
internal sealed record RequestsApiServices(RuntimeStartup Runtime, CallDispatcher Calls);
