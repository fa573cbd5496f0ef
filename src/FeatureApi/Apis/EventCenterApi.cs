using System.Text.Json;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Reads of the event center: as-of state, history, lookup by id, watermarks, dead letters.</summary>
public static class EventCenterApi
{
    /// <summary>Most events returned by one history call.</summary>
    public const int MaxHistory = 10_000;

    /// <summary>Maps <c>/api/events</c>, <c>/api/watermarks</c> and <c>/api/dead-letters</c>.</summary>
    public static IEndpointRouteBuilder MapEventCenterApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/events").WithTags("Event center").RequireAuthorization(Roles.ReadPolicy);
        events.MapGet("/{source}/{key}", GetStateAsync).WithSummary("An entity's last event at or before asOf (ms; default now)");
        events.MapGet("/{source}/{key}/history", GetHistoryAsync).WithSummary("An entity's events with event time in [from, to)");
        events.MapGet("/{source}/by-id/{eventId}", GetByIdAsync).WithSummary("The event with this id");
        app.MapGet("/api/watermarks/{source}", GetWatermarksAsync).WithTags("Event center").WithSummary("Offset and event-time watermarks of a source")
            .RequireAuthorization(Roles.ReadPolicy);
        app.MapGet("/api/dead-letters", GetDeadLettersAsync).WithTags("Event center").WithSummary("Recent dead letters and conflict records, newest first: of one source (source=), of one kind (kind=malformed|conflict|undeliverable), or all")
            .RequireAuthorization(Roles.ReadPolicy);
        app.MapGet("/api/corrections", (CorrectionRunner runner) => TypedResults.Ok(runner.LastReports))
            .WithTags("Event center").WithSummary("Last offline-correction report of each mirrored source")
            .RequireAuthorization(Roles.ReadPolicy);
        app.MapPost("/api/corrections/{source}", RunCorrectionAsync)
            .WithTags("Event center").WithSummary("Correct a mirrored source against its database now; answers with the report (role admin)")
            .RequireAuthorization(Roles.AdminPolicy);
        return app;
    }

    /// <summary>Watermarks of a source.</summary>
    public sealed record WatermarksJson(string Source, long? EventTime, IReadOnlyList<PartitionWatermark> Partitions);

    /// <summary>A dead letter or conflict record; the original bytes base64-encoded.</summary>
    public sealed record DeadLetterJson(
        string? Source, string Stream, int Partition, long Offset, string Reason, long RejectedAt, string ValueBase64, string? KeyBase64,
        string Kind, ConflictJson? Conflict);

    /// <summary>The two versions of a change that share an event id: the stored one stays, the incoming one was not stored.</summary>
    public sealed record ConflictJson(string EventId, JsonElement Stored, JsonElement Incoming);

    private static async Task<Results<Ok<EventJson>, NotFound>> GetStateAsync(string source, string key, long? asOf, IEventReader reader, CancellationToken cancellationToken)
    {
        var e = await reader.GetLatestEventAsync(source, key, asOf ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
        return e is null ? TypedResults.NotFound() : TypedResults.Ok(EventJson.From(e));
    }

    private static async Task<Results<Ok<List<EventJson>>, ProblemHttpResult>> GetHistoryAsync(
        string source, string key, long? from, long? to, int? limit, IEventReader reader, CancellationToken cancellationToken)
    {
        var take = limit ?? 1000;
        if (take is <= 0 or > MaxHistory || (from ?? 0) > (to ?? long.MaxValue))
        {
            return TypedResults.Problem($"limit must be 1..{MaxHistory} and from ≤ to.", statusCode: StatusCodes.Status400BadRequest, title: "Bad range");
        }
        var list = new List<EventJson>();
        await foreach (var e in reader.GetHistoryAsync(source, key, from ?? 0, to ?? long.MaxValue, cancellationToken))
        {
            list.Add(EventJson.From(e));
            if (list.Count == take)
            {
                break;
            }
        }
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<EventJson>, NotFound>> GetByIdAsync(string source, string eventId, IEventReader reader, CancellationToken cancellationToken)
    {
        var e = await reader.GetByIdAsync(source, eventId, cancellationToken);
        return e is null ? TypedResults.NotFound() : TypedResults.Ok(EventJson.From(e));
    }

    private static async Task<Ok<WatermarksJson>> GetWatermarksAsync(string source, IWatermarkStore watermarks, CancellationToken cancellationToken)
    {
        var partitions = new List<PartitionWatermark>();
        await foreach (var w in watermarks.GetOffsetsAsync(source, cancellationToken))
        {
            if (!w.Stream.StartsWith('\u0001'))
            {
                partitions.Add(w);
            }
        }
        return TypedResults.Ok(new WatermarksJson(source, await watermarks.GetEventTimeAsync(source, cancellationToken), partitions));
    }

    private static async Task<Results<Ok<CorrectionReport>, ProblemHttpResult>> RunCorrectionAsync(string source, CorrectionRunner runner, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await runner.RunAsync(source, cancellationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "No such mirrored source");
        }
    }

    private static async Task<Results<Ok<List<DeadLetterJson>>, ProblemHttpResult>> GetDeadLettersAsync(
        string? source, string? kind, int? limit, IDeadLetterReader deadLetters, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is <= 0 or > 1000)
        {
            return TypedResults.Problem("Query parameter 'limit' must be 1..1000.", statusCode: StatusCodes.Status400BadRequest, title: "Bad limit");
        }
        DeadLetterKind? only = null;
        if (!string.IsNullOrEmpty(kind))
        {
            if (!Enum.TryParse<DeadLetterKind>(kind, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(kind, out _))
            {
                return TypedResults.Problem("Query parameter 'kind' must be one of malformed, conflict, undeliverable (or left out for all).",
                    statusCode: StatusCodes.Status400BadRequest, title: "Bad kind");
            }
            only = parsed;
        }
        // A kind filter reads further back so that rarer kinds still fill the page.
        var scanLimit = only is null ? take : Math.Min(take * 20, 20_000);
        var letters = string.IsNullOrEmpty(source) ? deadLetters.RecentOfAllAsync(scanLimit, cancellationToken) : deadLetters.RecentAsync(source, scanLimit, cancellationToken);
        var list = new List<DeadLetterJson>();
        await foreach (var d in letters)
        {
            if (only is { } k && d.Kind != k)
            {
                continue;
            }
            list.Add(ToJson(d));
            if (list.Count == take)
            {
                break;
            }
        }
        return TypedResults.Ok(list);
    }

    private static DeadLetterJson ToJson(DeadLetter d) => new(
        d.Source, d.Position.Stream, d.Position.Partition, d.Position.Offset, d.Reason, d.RejectedAt,
        Convert.ToBase64String(d.Value), d.Key is null ? null : Convert.ToBase64String(d.Key),
        d.Kind.ToString().ToLowerInvariant(),
        d.Conflict is { } c ? new ConflictJson(c.EventId, JsonElementOf(c.Stored), JsonElementOf(c.Incoming)) : null);

    private static JsonElement JsonElementOf(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(Convert.ToBase64String(json));
        }
    }
}
