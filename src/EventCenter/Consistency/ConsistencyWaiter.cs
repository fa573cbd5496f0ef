using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>
/// Waits on the watermark index: until a triggering event is stored (trigger-strong), or until a source's
/// event-time watermark reaches a time (fetch-strong). Wakes at once on in-process watermark moves and otherwise
/// polls the index (ingestion may run in another process) with a growing interval.
/// </summary>
public sealed class ConsistencyWaiter(IWatermarkStore watermarks, WatermarkSignal signal, ConsistencyOptions? options = null)
{
    private readonly ConsistencyOptions options = options ?? new ConsistencyOptions();
    private long waits;
    private long timeouts;
    private long waitedTicks;

    /// <summary>Waits that had to wait (the watermark was behind).</summary>
    public long Waits => Interlocked.Read(ref waits);

    /// <summary>Waits that expired.</summary>
    public long Timeouts => Interlocked.Read(ref timeouts);

    /// <summary>Total time spent waiting.</summary>
    public TimeSpan TotalWaited => TimeSpan.FromTicks(Interlocked.Read(ref waitedTicks));

    /// <summary>Trigger-strong: waits until the event at <paramref name="position"/> of <paramref name="source"/> is stored.</summary>
    /// <exception cref="ConsistencyTimeoutException">Not stored within <paramref name="timeout"/> (default: the options').</exception>
    public ValueTask WaitForStoredAsync(string source, SourcePosition position, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitAsync(
            source,
            async ct => await watermarks.GetOffsetAsync(source, position.Stream, position.Partition, ct),
            reached => reached > position.Offset,
            $"offset {position.Stream}/{position.Partition} > {position.Offset}",
            timeout,
            cancellationToken);

    /// <summary>Fetch-strong: waits until the event-time watermark of <paramref name="source"/> is at least <paramref name="eventTime"/>.</summary>
    /// <exception cref="ConsistencyTimeoutException">Not reached within <paramref name="timeout"/> (default: the options').</exception>
    public ValueTask WaitForEventTimeAsync(string source, long eventTime, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitAsync(
            source,
            async ct => await watermarks.GetEventTimeAsync(source, ct),
            reached => reached >= eventTime,
            $"event time ≥ {eventTime}",
            timeout,
            cancellationToken);

    /// <summary>True when the event-time watermark of <paramref name="source"/> is already at least <paramref name="eventTime"/>.</summary>
    public async ValueTask<bool> IsEventTimeReachedAsync(string source, long eventTime, CancellationToken cancellationToken = default) =>
        await watermarks.GetEventTimeAsync(source, cancellationToken) >= eventTime;

    private async ValueTask WaitAsync(
        string source,
        Func<CancellationToken, Task<long?>> read,
        Func<long, bool> reached,
        string waitedFor,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        var wake = signal.Current;
        var current = await read(cancellationToken);
        if (current is { } first && reached(first))
        {
            return;
        }
        Interlocked.Increment(ref waits);
        var limit = timeout ?? options.DefaultTimeout;
        var started = options.Clock.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        var poll = options.MinPollInterval;
        try
        {
            while (true)
            {
                try
                {
                    await wake.WaitAsync(poll, deadline.Token);
                }
                catch (TimeoutException)
                {
                    poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, options.MaxPollInterval.Ticks));
                }
                wake = signal.Current;
                current = await read(deadline.Token);
                if (current is { } value && reached(value))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref timeouts);
            throw new ConsistencyTimeoutException(source, waitedFor, current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing stored", limit);
        }
        finally
        {
            Interlocked.Add(ref waitedTicks, options.Clock.GetElapsedTime(started).Ticks);
        }
    }
}

/// <summary>Settings of consistency waits.</summary>
public sealed record ConsistencyOptions
{
    /// <summary>Wait limit when the caller gives none. Default: 5 s.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First poll interval of the watermark index (when no in-process signal comes). Default: 5 ms.</summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest poll interval. Default: 100 ms.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Clock for measuring waits. Default: system.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
