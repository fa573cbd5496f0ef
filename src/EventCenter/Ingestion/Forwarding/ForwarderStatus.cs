namespace FeaturePlatform.EventCenter.Ingestion.Forwarding;

/// <summary>
/// What one RabbitMQ forwarder has done and whether it makes progress (thread-safe; read by health checks and
/// metrics). The forwarder is <em>stalled</em> while it has been failing — not connected, reconnecting, or the bus or
/// the dead-letter store refusing its batch — without a success in between; a connection that works or a settled
/// batch clears it.
/// </summary>
public sealed class ForwarderStatus(string queue, string topic)
{
    private readonly Lock gate = new();
    private long forwarded;
    private long deadLettered;
    private long reconnects;
    private DateTimeOffset? failingSince;
    private string? cause;

    /// <summary>The RabbitMQ queue drained.</summary>
    public string Queue { get; } = queue;

    /// <summary>The bus topic fed.</summary>
    public string Topic { get; } = topic;

    /// <summary>Messages forwarded to the bus and acknowledged.</summary>
    public long Forwarded => Interlocked.Read(ref forwarded);

    /// <summary>Messages that could never be delivered: dead-lettered and acknowledged.</summary>
    public long DeadLettered => Interlocked.Read(ref deadLettered);

    /// <summary>Times the forwarder had to reconnect to RabbitMQ.</summary>
    public long Reconnects => Interlocked.Read(ref reconnects);

    /// <summary>Since when the forwarder has been failing without success in between, with the last cause; null when it works.</summary>
    public (DateTimeOffset Since, string Cause)? Failing
    {
        get
        {
            lock (gate)
            {
                return failingSince is { } since ? (since, cause ?? "unknown") : null;
            }
        }
    }

    internal void AddForwarded(long n) => Interlocked.Add(ref forwarded, n);

    internal void AddDeadLettered(long n) => Interlocked.Add(ref deadLettered, n);

    internal void AddReconnect() => Interlocked.Increment(ref reconnects);

    /// <summary>Records a failure; the failing period starts at the first one after a success.</summary>
    internal void Fail(DateTimeOffset now, string reason)
    {
        lock (gate)
        {
            failingSince ??= now;
            cause = reason;
        }
    }

    /// <summary>Records a success (connected, or a batch settled): the forwarder is no longer failing.</summary>
    internal void Succeed()
    {
        lock (gate)
        {
            failingSince = null;
            cause = null;
        }
    }
}
