using System.Text.Json;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Sources and the HTTP message-forward entry path.</summary>
public static class MessageForwardApi
{
    /// <summary>Most messages accepted in one POST.</summary>
    public const int MaxMessagesPerRequest = 1000;

    /// <summary>Largest accepted request body.</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    /// <summary>Maps <c>/api/sources</c>.</summary>
    public static RouteGroupBuilder MapMessageForwardApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sources").WithTags("Sources").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/", ListSources).WithSummary("Registered sources");
        group.MapPost("/{source}/messages", ForwardAsync).RequireAuthorization(Roles.ForwardPolicy)
            .WithSummary("Forward one message (a JSON object) or many (a JSON array) to a source; answers after durable delivery (role author, operator or admin)");
        return group;
    }

    /// <summary>A source as listed by the API.</summary>
    public sealed record SourceJson(string Name, string Format, IReadOnlyList<string> Topics, IReadOnlyList<string> KeyFields, string? TimeField, string? IdField, string? RabbitQueue,
        IReadOnlyDictionary<string, string>? Fields = null);

    /// <summary>One forwarded event; <c>Message</c> is the index of the posted message it came from (a Canal message with several rows gives several).</summary>
    public sealed record ForwardedJson(string EventId, string Topic, int Partition, long Offset, int Message);

    /// <summary>A posted housekeeping message (DDL, heartbeat, tombstone, truncate, …): forwarded and recorded by ingestion as what it is; no event.</summary>
    public sealed record HousekeepingJson(int Message, string Kind, string Description, string Topic, int Partition, long Offset);

    /// <summary>The answer to a forward: the events stored, in posting order, and the housekeeping messages.</summary>
    public sealed record ForwardResponse(IReadOnlyList<ForwardedJson> Events, IReadOnlyList<HousekeepingJson> Housekeeping);

    private static Ok<IReadOnlyList<SourceJson>> ListSources(SourceRegistry sources) =>
        TypedResults.Ok<IReadOnlyList<SourceJson>>(sources.All
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new SourceJson(s.Name, s.Format.ToString(), s.EffectiveTopics, s.KeyFields, s.TimeField, s.IdField, s.RabbitQueue,
                s.Fields.ToDictionary(f => f.Key, f => f.Value.ToString().ToLowerInvariant(), StringComparer.Ordinal)))
            .ToList());

    private static async Task<Results<Ok<ForwardResponse>, ProblemHttpResult>> ForwardAsync(
        string source, HttpRequest request, MessageForwardService forwarder, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadBytesAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return TypedResults.Problem($"The body exceeds {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
        }
        var shape = $"one JSON message (an object) or an array of 1 to {MaxMessagesPerRequest} messages, as application/json";
        if (body.Length == 0)
        {
            return TypedResults.Problem($"The body is empty; send {shape}.", statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON");
        }
        List<byte[]> messages;
        try
        {
            messages = SplitMessages(body);
        }
        catch (JsonException e)
        {
            // Where it broke and how to fix it; the parser's own wording ("BytePositionInLine") is no help to a client.
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1})" : "";
            return TypedResults.Problem($"The body is not valid JSON{where}: check its quotes, commas and brackets, and send {shape}.",
                statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON");
        }
        if (messages.Count is 0 or > MaxMessagesPerRequest)
        {
            return TypedResults.Problem($"Post 1 to {MaxMessagesPerRequest} messages; got {messages.Count}.", statusCode: StatusCodes.Status400BadRequest, title: "Bad batch size");
        }
        try
        {
            var forwarded = await forwarder.ForwardAsync(source, messages, cancellationToken);
            return TypedResults.Ok(new ForwardResponse(
                forwarded.Events.Select(f => new ForwardedJson(f.EventId, f.Position.Stream, f.Position.Partition, f.Position.Offset, f.Message)).ToList(),
                forwarded.Housekeeping.Select(h => new HousekeepingJson(h.Message, h.Kind.ToString(), h.Description, h.Position.Stream, h.Position.Partition, h.Position.Offset)).ToList()));
        }
        catch (UnknownSourceException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Unknown source");
        }
        catch (RejectedMessagesException e)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Title = "Messages rejected",
                Detail = e.Message,
                Status = StatusCodes.Status400BadRequest,
                Extensions = { ["errors"] = e.Errors },
            });
        }
    }

    /// <summary>A JSON array is several messages (each element's bytes); anything else is one message, checked by its source's parser.</summary>
    private static List<byte[]> SplitMessages(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [body];
        }
        return document.RootElement.EnumerateArray().Select(e => System.Text.Encoding.UTF8.GetBytes(e.GetRawText())).ToList();
    }
}
