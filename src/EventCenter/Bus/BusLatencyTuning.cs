namespace FeaturePlatform.EventCenter.Bus;

/// <summary>
/// Latency knobs of one producer or consumer, for request–response traffic (calls) where a message should travel in
/// milliseconds rather than be batched for throughput. Backends without such knobs ignore them: the embedded bus
/// already wakes its consumers the moment a produce commits.
/// </summary>
public sealed record BusLatencyTuning
{
    /// <summary>
    /// How long a producer waits to fill a batch (Kafka <c>linger.ms</c>); null: the bus's default. For calls: 0, a
    /// call is a single message that should leave at once.
    /// </summary>
    public TimeSpan? Linger { get; init; }

    /// <summary>
    /// Longest time a broker holds a fetch that found no data (Kafka <c>fetch.wait.max.ms</c>); null: the bus's
    /// default. A real broker answers as soon as data arrives, so this only bounds idle fetch traffic there; brokers
    /// that do not wake waiting fetches on produce (librdkafka's mock cluster) add up to this much to every message.
    /// </summary>
    public TimeSpan? MaxFetchWait { get; init; }
}
