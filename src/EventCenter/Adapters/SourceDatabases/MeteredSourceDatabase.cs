using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>The source-database adapter's instruments on meter <see cref="MeterName"/>: reads and failures per database, read latency.</summary>
public sealed class SourceDatabaseMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.SourceDatabases";

    /// <summary>Creates the instruments.</summary>
    public SourceDatabaseMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        Reads = meter.CreateCounter<long>("sourcedb.reads", description: "Reads of a source database (no-delay rows, correction pages, pings), by database, kind and outcome.");
        Duration = meter.CreateHistogram<double>("sourcedb.read.duration", unit: "ms", description: "Time of single-row reads and pings, by database.");
    }

    internal Counter<long> Reads { get; }

    internal Histogram<double> Duration { get; }
}

/// <summary>Counts and times a source database's reads (what <see cref="SourceDatabaseMetrics"/> reports).</summary>
internal sealed class MeteredSourceDatabase(string name, ISourceDatabase inner, SourceDatabaseMetrics metrics) : ISourceDatabase
{
    public Task<SourceRow?> ReadRowAsync(MirroredTable table, string entityKey, CancellationToken cancellationToken = default) =>
        TimedAsync("row", () => inner.ReadRowAsync(table, entityKey, cancellationToken));

    public async IAsyncEnumerable<SourceRow> ReadAllAsync(MirroredTable table, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var outcome = "failed";
        try
        {
            await foreach (var row in inner.ReadAllAsync(table, pageSize, cancellationToken))
            {
                yield return row;
            }
            outcome = "ok";
        }
        finally
        {
            metrics.Reads.Add(1, Tag("db", name), Tag("kind", "all"), Tag("outcome", outcome));
        }
    }

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        TimedAsync("ping", async () =>
        {
            await inner.PingAsync(cancellationToken);
            return true;
        });

    private async Task<T> TimedAsync<T>(string kind, Func<Task<T>> read)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            var result = await read();
            outcome = "ok";
            return result;
        }
        finally
        {
            metrics.Reads.Add(1, Tag("db", name), Tag("kind", kind), Tag("outcome", outcome));
            metrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, Tag("db", name));
        }
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
