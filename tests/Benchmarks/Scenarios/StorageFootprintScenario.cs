using System.Globalization;
using System.Text.Json;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// Storage per event, for the capacity plan (docs/deployment.md): the synthetic events (~120-byte JSON images, a
/// header on every 4th) written through the event store (events, events_by_time, events_by_id rows) (1) on HBase —
/// the fixture server keeps the cells; their size is counted as HBase KeyValues (key length, value length, row,
/// family, qualifier, timestamp, type, value), before block encoding, compression and HDFS replication — and (2) on
/// the embedded backend (SQLite files after a checkpoint). The tiered store writes the same rows to cold for every
/// event and to hot while the event is inside the hot window, so one copy is the hot and the cold figure alike.
/// Baseline: the events' after-images alone.
/// </summary>
internal sealed class StorageFootprintScenario : IBenchmarkScenario
{
    private const string KeyValueBytes = """
        import json, pickle, sys
        with open(sys.argv[1], "rb") as f:
            tables = pickle.load(f)
        out = {}
        for name, table in tables.items():
            cells = size = 0
            for row, columns in table.rows.items():
                for (family, qualifier), versions in columns.items():
                    for ts, value in versions:
                        cells += 1
                        size += 4 + 4 + 2 + len(row) + 1 + len(family) + len(qualifier) + 8 + 1 + len(value)
            out[name.decode()] = {"rows": len(table.rows), "cells": cells, "bytes": size}
        print(json.dumps(out))
        """;

    public string Name => "storage-footprint";

    public string Description => "bytes per stored event: HBase KeyValues of the event tables (one tier's copy) and the embedded SQLite files, vs the after-images alone";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var total = context.Quick ? 20_000 : 100_000;
        var images = Enumerable.Range(0, total).Sum(i => (long)SyntheticEvents.Create(i, total).After!.Length);

        await using var server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { KeepDataAcrossRestarts = true }, context.CancellationToken);
        // The platform never creates HBase tables: made here as an administrator would (docs/hbase-admin.md).
        foreach (var table in new[] { "fp:events", "fp:events_by_time", "fp:events_by_id" })
        {
            await server.CreateTableAsync(new HBaseTableSpec(table, [new HBaseFamilySpec("e")]), context.CancellationToken);
        }
        await using (var hbase = new HBaseWideTableStore(new HBaseOptions { Port = server.Port, Namespace = "fp" }))
        {
            var store = new EventStore(hbase);
            await store.EnsureTablesAsync(context.CancellationToken);
            for (var start = 0; start < total; start += EventBenchStores.BatchSize)
            {
                await store.WriteAsync(SyntheticEvents.Batch(start, Math.Min(EventBenchStores.BatchSize, total - start), total), context.CancellationToken);
            }
        }
        await server.StopAsync(); // saves the cells to state.pickle
        var script = Path.Combine(server.ServerDirectory, "kv_bytes.py");
        await File.WriteAllTextAsync(script, KeyValueBytes, context.CancellationToken);
        var (exit, output) = await ServerProcess.RunAsync("python3", [script, Path.Combine(server.ServerDirectory, "state.pickle")], TimeSpan.FromMinutes(5),
            workingDirectory: server.ServerDirectory);
        if (exit != 0)
        {
            throw new InvalidOperationException($"kv_bytes.py failed ({exit}): {output}");
        }
        var tables = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(output)!;
        foreach (var (name, t) in tables)
        {
            context.Log($"{name}: {t.GetProperty("rows").GetInt64():#,0} rows, {t.GetProperty("cells").GetInt64():#,0} cells, {t.GetProperty("bytes").GetInt64():#,0} bytes");
        }
        var hbaseBytes = tables.Values.Sum(t => t.GetProperty("bytes").GetInt64());

        await using var embedded = await EventBenchStores.CreateAsync();
        await embedded.IngestAsync(total, context.Log, context.CancellationToken);
        var embeddedBytes = await embedded.CloseStoreAndMeasureAsync();
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"{total:#,0} events: images {images / (double)total:0} B/event, HBase KeyValues {hbaseBytes / (double)total:0} B/event, embedded files {embeddedBytes / (double)total:0} B/event"));
        var baseline = "after-images alone";
        var perImage = images / (double)total;
        return
        [
            Measurement.LowerIsBetter($"HBase KeyValue bytes per event, one tier (events + by_time + by_id), {total:#,0} events", hbaseBytes / (double)total, "B/event", baseline, perImage),
            Measurement.LowerIsBetter($"embedded SQLite bytes per event (files after checkpoint), {total:#,0} events", embeddedBytes / (double)total, "B/event", baseline, perImage),
        ];
    }
}
