using FeaturePlatform.Benchmarks.Harness;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// Embedded ingest with all indexes (main table, time index, id index with the idempotence check) vs the same
/// events' bytes bulk-inserted once into a bare single SQLite table of the same engine, in the same run.
/// Target: ratio ≥ 0.4.
/// </summary>
internal sealed class EventIngestScenario : IBenchmarkScenario
{
    public string Name => "event-ingest";

    public string Description => "embedded event ingest (3 tables + id check) vs bare single-table SQLite insert of the same bytes; target ratio ≥ 0.4";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var total = context.Quick ? 100_000 : 1_000_000;
        await using var stores = await EventBenchStores.CreateAsync();
        context.Log($"bare table: inserting {total:#,0} events");
        var bare = stores.IngestBare(total, context.CancellationToken);
        context.Log($"bare table: {bare:#,0} events/s");
        context.Log($"event store: ingesting {total:#,0} events");
        var events = await stores.IngestAsync(total, context.Log, context.CancellationToken);
        context.Log($"event store: {events:#,0} events/s");
        return
        [
            Measurement.HigherIsBetter($"event-ingest {total:#,0} events, batches of {EventBenchStores.BatchSize}", events, "events/s",
                "bare single-table SQLite insert of each event's bytes", bare),
        ];
    }
}
