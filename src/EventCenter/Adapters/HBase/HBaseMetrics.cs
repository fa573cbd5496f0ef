using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// The HBase adapter's instruments on meter <see cref="MeterName"/>: Thrift calls by store role and outcome, their
/// latency, retries and connections opened.
/// </summary>
public sealed class HBaseMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.HBase";

    private readonly Counter<long> calls;
    private readonly Histogram<double> duration;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HBaseClient> clients = new(StringComparer.Ordinal);

    /// <summary>Creates the instruments.</summary>
    public HBaseMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("hbase.retries", () => PerRole(c => c.Retries), description: "Calls and connects retried after a transient failure, by store role.");
        meter.CreateObservableCounter("hbase.connections.opened", () => PerRole(c => c.Pool.ConnectionsOpened), description: "Connections opened to the Thrift2 server, by store role.");
        calls = meter.CreateCounter<long>("hbase.calls", description: "Thrift2 calls to the HBase server (after retries), by store role and outcome.");
        duration = meter.CreateHistogram<double>("hbase.call.duration", unit: "ms", description: "Time of a Thrift2 call including retries, by store role.");
    }

    /// <summary>Reports <paramref name="client"/>'s retries and connections under <paramref name="role"/>.</summary>
    internal void Observe(string role, HBaseClient client) => clients[role] = client;

    private IEnumerable<Measurement<long>> PerRole(Func<HBaseClient, long> value) =>
        clients.Select(c => new Measurement<long>(value(c.Value), new KeyValuePair<string, object?>("role", c.Key)));

    internal void Record(string role, long startedTimestamp, bool succeeded)
    {
        var tag = new KeyValuePair<string, object?>("role", role);
        calls.Add(1, tag, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));
        duration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds, tag);
    }
}
