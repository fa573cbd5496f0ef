using System.Text.Json;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.EventStorage;
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

    /// <summary>
    /// Watermarks of a source: its event-time watermark (every on-time event at or below it is stored), the bounds it is
    /// built on, late events counted by this process's ingest workers, and per partition the offset watermark, the
    /// event-time mark and whether the partition is idle and caught up (its mark follows the clock at MaxDelay).
    /// </summary>
    /// <param name="Source">The source.</param>
    /// <param name="EventTime">The event-time watermark (ms); while <paramref name="State"/> is <c>idle</c> it is now − MaxDelay.</param>
    /// <param name="MaxOutOfOrdernessMs">The source's declared out-of-orderness.</param>
    /// <param name="MaxDelayMs">The source's declared maximum delay from event time to the bus.</param>
    /// <param name="LateEvents">Late events counted by this process's ingestion.</param>
    /// <param name="Partitions">Per partition.</param>
    /// <param name="State">
    /// <c>idle</c>: every partition is caught up and quiet, the watermark follows the clock (it says nothing is pending, not
    /// that data of that time arrived; see <paramref name="DataEventTime"/>); <c>behind</c>: messages on the bus are not stored
    /// yet; <c>ingesting</c>: otherwise; <c>empty</c>: nothing stored and no watermark yet.
    /// </param>
    /// <param name="DataEventTime">The highest mark reached by stored events alone (event time − MaxOutOfOrderness) over the partitions, or null.</param>
    /// <param name="PendingMessages">Messages on the bus not stored yet.</param>
    public sealed record WatermarksJson(
        string Source, long? EventTime, long MaxOutOfOrdernessMs, long MaxDelayMs, long LateEvents, IReadOnlyList<PartitionJson> Partitions,
        string State = "empty", long? DataEventTime = null, long PendingMessages = 0);

    /// <summary>
    /// One partition of a source: offset watermark (null: nothing stored yet), the bus's end offset and the lag between
    /// them (messages on the bus not yet stored), event-time mark, and whether it is idle and caught up.
    /// </summary>
    public sealed record PartitionJson(string Stream, int Partition, long? NextOffset, long? EndOffset, long? Lag, long? EventTime, bool Idle, long? DataEventTime = null);

    /// <summary>A dead letter or conflict record; the original bytes base64-encoded.</summary>
    public sealed record DeadLetterJson(
        string? Source, string Stream, int Partition, long Offset, string Reason, long RejectedAt, string ValueBase64, string? KeyBase64,
        string Kind, ConflictJson? Conflict);

    /// <summary>The two versions of a change that share an event id: the stored one stays, the incoming one was not stored.</summary>
    public sealed record ConflictJson(string EventId, JsonElement Stored, JsonElement Incoming);

    /// <param name="source">The source.</param>
    /// <param name="key">The entity key.</param>
    /// <param name="asOf">The time (epoch ms or ISO-8601; default now).</param>
    /// <param name="reader">The event reader.</param>
    /// <param name="sources">The registered sources.</param>
    /// <param name="jobs">The jobs (their request sources).</param>
    /// <param name="clock">The clock.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    private static async Task<Results<Ok<EventJson>, ProblemHttpResult>> GetStateAsync(string source, string key, Times.TimeMs? asOf, IEventReader reader,
        SourceRegistry sources, Jobs.JobCatalog jobs, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (UnknownSource(source, sources, jobs) is { } unknown)
        {
            return unknown;
        }
        var at = asOf?.Value ?? clock.GetUtcNow().ToUnixTimeMilliseconds();
        var e = await reader.GetLatestEventAsync(source, key, at, cancellationToken);
        return e is null
            ? TypedResults.Problem($"Source '{source}' has no event of key '{key}' at or before {Iso(at)} ({at} ms).", statusCode: StatusCodes.Status404NotFound,
                title: "No event")
            : TypedResults.Ok(EventJson.From(e));
    }

    private static async Task<Results<Ok<List<EventJson>>, ProblemHttpResult>> GetHistoryAsync(
        string source, string key, Times.TimeMs? from, Times.TimeMs? to, int? limit, IEventReader reader, SourceRegistry sources, Jobs.JobCatalog jobs, CancellationToken cancellationToken)
    {
        var take = limit ?? 1000;
        if (take is <= 0 or > MaxHistory)
        {
            return TypedResults.Problem($"limit: must be 1..{MaxHistory}; got {take}.", statusCode: StatusCodes.Status400BadRequest, title: "Bad range");
        }
        if ((from?.Value ?? 0) > (to?.Value ?? long.MaxValue))
        {
            return TypedResults.Problem($"from: must be at or before to ({from!.Value.Value} > {to!.Value.Value}); swap them.", statusCode: StatusCodes.Status400BadRequest,
                title: "Bad range");
        }
        if (UnknownSource(source, sources, jobs) is { } unknown)
        {
            return unknown;
        }
        var list = new List<EventJson>();
        await foreach (var e in reader.GetHistoryAsync(source, key, from?.Value ?? 0, to?.Value ?? long.MaxValue, cancellationToken))
        {
            list.Add(EventJson.From(e));
            if (list.Count == take)
            {
                break;
            }
        }
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<EventJson>, ProblemHttpResult>> GetByIdAsync(string source, string eventId, IEventReader reader, SourceRegistry sources,
        Jobs.JobCatalog jobs, CancellationToken cancellationToken)
    {
        if (UnknownSource(source, sources, jobs) is { } unknown)
        {
            return unknown;
        }
        var e = await reader.GetByIdAsync(source, eventId, cancellationToken);
        return e is null
            ? TypedResults.Problem($"Source '{source}' has no event with id '{eventId}'.", statusCode: StatusCodes.Status404NotFound, title: "No event")
            : TypedResults.Ok(EventJson.From(e));
    }

    /// <summary>
    /// A 404 naming <paramref name="source"/> when it is neither a registered source, nor a job's event-center output
    /// (<c>job.&lt;job&gt;</c>), nor a job's request source (<c>calls.&lt;job&gt;</c> or its <c>@job(requests=…)</c>), else null.
    /// </summary>
    private static ProblemHttpResult? UnknownSource(string source, SourceRegistry sources, Jobs.JobCatalog? jobs = null) =>
        sources.Find(source) is not null
        || source.StartsWith(Runtime.Outputs.EventCenterOutput.SourcePrefix, StringComparison.Ordinal)
        || source.StartsWith(PyBridge.Jobs.JobDeclaration.RequestSourcePrefix, StringComparison.Ordinal)
        || jobs?.Jobs.Any(j => string.Equals(j.Declaration.RequestSource, source, StringComparison.Ordinal)) == true
            ? null
            : TypedResults.Problem($"No source is named '{source}'; GET /api/sources lists them.", statusCode: StatusCodes.Status404NotFound, title: "Unknown source");

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, -62135596800000, 253402300799999)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Results<Ok<WatermarksJson>, ProblemHttpResult>> GetWatermarksAsync(
        string source, SourceProgressReader reader, SourceRegistry sources, IngestCounters ingest, CancellationToken cancellationToken)
    {
        if (sources.Find(source) is not { } definition)
        {
            return UnknownSource(source, sources)!;
        }
        var progress = await reader.ReadAsync(definition, cancellationToken);
        var partitions = progress.Partitions.Select(p => new PartitionJson(p.Stream, p.Partition, p.NextOffset, p.EndOffset, p.Lag, p.EventTime, p.Idle,
            p.DataEventTime)).ToList();
        var pending = progress.PendingMessages;
        var state = (progress.EventTime, pending, progress.FollowsClock) switch
        {
            (_, > 0, _) => "behind",
            (null, _, _) => "empty",
            (_, _, true) => "idle",
            _ => "ingesting",
        };
        return TypedResults.Ok(new WatermarksJson(source, progress.EventTime,
            (long)definition.EffectiveMaxOutOfOrderness.TotalMilliseconds, (long)definition.EffectiveMaxDelay.TotalMilliseconds,
            ingest.LateBySource.GetValueOrDefault(source), partitions, state, progress.Partitions.Max(p => p.DataEventTime), pending));
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
        catch (EventCenter.Consistency.ConsistencyTimeoutException e)
        {
            // Nothing was written: the comparison would not have been consistent. Names the source and its watermark.
            return TypedResults.Problem($"{e.Message} The source's watermark did not pass the end of the database read; nothing was corrected. "
                + "Retry when its ingestion has caught up, or raise EventCenter:Correction:WatermarkWait.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Source not stored up to the read");
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
