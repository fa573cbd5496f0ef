using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Requests;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Request–poll: a request to a job becomes an event, the logic computes, the result is stored in the event center.
/// The POST waits up to <c>wait</c> ms and answers 200 with the result when it is ready (one synchronous call), else
/// 202 with the request id to poll.
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
            .WithSummary("Run the job on a request; 200 with the result if ready within `wait` ms, else 202 with the id to poll");
        group.MapGet("/{requestId}", PollAsync).WithSummary("The result of a request: 200 when ready, 202 while computing, 404 when unknown");
        return app;
    }

    /// <summary>A request: the event the job runs on.</summary>
    /// <param name="Key">Entity key. Required.</param>
    /// <param name="Data">The event's data (a JSON object).</param>
    /// <param name="Source">The trigger source the request is an event of; default: the job's first trigger.</param>
    /// <param name="Time">Event time (ms); default: now.</param>
    /// <param name="RequestId">The caller's id (idempotent retries); default: a new id.</param>
    public sealed record RequestBody(string Key, JsonElement? Data = null, string? Source = null, long? Time = null, string? RequestId = null);

    /// <summary>The answer: the result rows when done.</summary>
    public sealed record RequestAnswer(string RequestId, string State, int? JobVersion, IReadOnlyList<IReadOnlyDictionary<string, object?>>? Results, string? Error, string Poll);

    private static async Task<Results<Ok<RequestAnswer>, Accepted<RequestAnswer>, ProblemHttpResult>> PostAsync(
        string job, int? wait, HttpRequest http, RuntimeStartup runtime, PendingRequests pending, CancellationToken cancellationToken)
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
        if (!runtime.Ready.IsCompletedSuccessfully || runtime.Registry.Find(job) is not { } registered)
        {
            return TypedResults.Problem($"No job named '{job}' is running.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
        }
        var source = body.Source ?? registered.Declaration.Triggers.FirstOrDefault()?.Source;
        if (source is null)
        {
            return JsonBody.BadRequest($"Job '{job}' declares no trigger source; name one in `source`.");
        }
        var requestId = body.RequestId ?? "req-" + Guid.NewGuid().ToString("N");
        var call = pending.Start(new CallRequest(job, source, body.Key, body.Data?.GetRawText(), body.Time, requestId));
        var poll = $"/api/jobs/{Uri.EscapeDataString(job)}/requests/{Uri.EscapeDataString(requestId)}";
        try
        {
            await call.WaitAsync(TimeSpan.FromMilliseconds(wait ?? DefaultWaitMs), cancellationToken);
        }
        catch (TimeoutException)
        {
            return TypedResults.Accepted(poll, new RequestAnswer(requestId, "computing", null, null, null, poll));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return JsonBody.BadRequest(e.Message, "Request refused");
        }
        return TypedResults.Ok(Answer(requestId, await call, poll));
    }

    private static async Task<Results<Ok<RequestAnswer>, Accepted<RequestAnswer>, ProblemHttpResult>> PollAsync(
        string job, string requestId, PendingRequests pending, EventCenter.Tables.IEventReader events, CancellationToken cancellationToken)
    {
        var poll = $"/api/jobs/{Uri.EscapeDataString(job)}/requests/{Uri.EscapeDataString(requestId)}";
        if (pending.Find(job, requestId) is { } call)
        {
            if (!call.IsCompleted)
            {
                return TypedResults.Accepted(poll, new RequestAnswer(requestId, "computing", null, null, null, poll));
            }
            if (call.IsCompletedSuccessfully)
            {
                return TypedResults.Ok(Answer(requestId, call.Result, poll));
            }
            return JsonBody.BadRequest(call.Exception?.GetBaseException().Message ?? "The request failed.", "Request refused");
        }
        // Computed by another process (or before a restart): the results are in the event center.
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        for (var row = 0; ; row++)
        {
            var stored = await EventCenterOutput.GetResultAsync(events, job, requestId, row, cancellationToken);
            if (stored?.After is null)
            {
                break;
            }
            rows.Add(JsonSerializer.Deserialize<Dictionary<string, object?>>(stored.After)!);
        }
        return rows.Count > 0
            ? TypedResults.Ok(new RequestAnswer(requestId, "done", null, rows, null, poll))
            : TypedResults.Problem($"No request '{requestId}' of job '{job}' is known here.", statusCode: StatusCodes.Status404NotFound, title: "Unknown request");
    }

    private static RequestAnswer Answer(string requestId, CallResult result, string poll) => new(
        requestId,
        result.Error is null ? "done" : "failed",
        result.JobVersion,
        result.Results.Select(r => (IReadOnlyDictionary<string, object?>)r.Values.ToDictionary(v => v.Key, v => v.Value)).ToList(),
        result.Error is null ? null : $"{result.Error.ErrorType}: {result.Error.Message}",
        poll);
}
