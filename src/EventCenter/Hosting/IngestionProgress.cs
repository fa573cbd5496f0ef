using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Whether ingestion makes progress, for the readiness check: every running RabbitMQ forwarder (registered by the
/// forwarder service) and the ingest workers' shared <see cref="IngestCounters"/>. A forwarder that has been failing
/// (disconnected, reconnecting, the bus or the dead-letter store refusing) for at least <see cref="Grace"/>, or
/// ingest batches that failed <see cref="FailedBatchesLimit"/> times in a row, are problems; a later success clears
/// them by itself.
/// </summary>
public sealed class IngestionProgress(IngestCounters ingest, TimeProvider clock, TimeSpan grace, int failedBatchesLimit = 3)
{
    private readonly ConcurrentDictionary<ForwarderStatus, byte> forwarders = new();

    /// <summary>How long a forwarder may fail before it counts as stalled.</summary>
    public TimeSpan Grace { get; } = grace;

    /// <summary>Failed ingest batch attempts in a row that count as stalled. Default: 3.</summary>
    public int FailedBatchesLimit { get; } = failedBatchesLimit;

    /// <summary>The forwarders watched.</summary>
    public IReadOnlyCollection<ForwarderStatus> Forwarders => [.. forwarders.Keys];

    /// <summary>Watches <paramref name="status"/> until <see cref="Remove"/>.</summary>
    public void Add(ForwarderStatus status) => forwarders.TryAdd(status, 0);

    /// <summary>Stops watching <paramref name="status"/> (its forwarder stopped).</summary>
    public void Remove(ForwarderStatus status) => forwarders.TryRemove(status, out _);

    /// <summary>One line per part that cannot make progress now, naming its queue/topic and the cause; empty when all can.</summary>
    public IReadOnlyList<string> Problems()
    {
        var now = clock.GetUtcNow();
        var problems = new List<string>();
        foreach (var f in forwarders.Keys.OrderBy(f => f.Queue, StringComparer.Ordinal))
        {
            if (f.Failing is { } failing && now - failing.Since >= Grace)
            {
                problems.Add($"RabbitMQ forwarder of queue '{f.Queue}' → topic '{f.Topic}' has made no progress for {(now - failing.Since).TotalSeconds:0} s: {failing.Cause}");
            }
        }
        var (count, cause) = ingest.ConsecutiveFailedBatches;
        if (count >= FailedBatchesLimit)
        {
            var since = ingest.LastBatchAt is { } last ? $"last stored batch {(now - last).TotalSeconds:0} s ago" : "no batch stored yet";
            problems.Add($"Ingest batches failed {count} times in a row ({since}): {cause}");
        }
        return problems;
    }
}
