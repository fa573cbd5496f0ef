using System.Diagnostics;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// How far one live runner got: the newest event time and the position per partition of the batches it completed
/// (outputs written, offsets committed), and its throughput over the last <see cref="Window"/>. Thread-safe; fed by
/// the live jobs service after each batch, read by status queries.
/// </summary>
public sealed class LiveRunnerProgress
{
    /// <summary>Window of <see cref="EventsPerSecond"/>.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly Dictionary<(string Stream, int Partition), long> nextOffsets = [];
    private readonly Queue<(long At, int Events)> recent = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private long lastEventTime = long.MinValue;

    /// <summary>The newest event time (ms) of the completed batches, or null before the first event.</summary>
    public long? LastEventTime
    {
        get
        {
            lock (gate)
            {
                return lastEventTime == long.MinValue ? null : lastEventTime;
            }
        }
    }

    /// <summary>Per partition of the source that this runner processed: the offset after the last processed message.</summary>
    public IReadOnlyDictionary<(string Stream, int Partition), long> NextOffsets
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<(string Stream, int Partition), long>(nextOffsets);
            }
        }
    }

    /// <summary>Events per second completed over the last <see cref="Window"/> (or since the runner started, if shorter).</summary>
    public double EventsPerSecond
    {
        get
        {
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                Trim(now);
                var span = Math.Min(Stopwatch.GetElapsedTime(started, now).TotalSeconds, Window.TotalSeconds);
                return span <= 0 ? 0 : recent.Sum(r => r.Events) / span;
            }
        }
    }

    /// <summary>Records a completed batch.</summary>
    public void Completed(IReadOnlyList<ChangeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (gate)
        {
            foreach (var e in events)
            {
                lastEventTime = Math.Max(lastEventTime, e.EventTime);
                var key = (e.Position.Stream, e.Position.Partition);
                nextOffsets[key] = Math.Max(nextOffsets.GetValueOrDefault(key), e.Position.Offset + 1);
            }
            var now = Stopwatch.GetTimestamp();
            recent.Enqueue((now, events.Count));
            Trim(now);
        }
    }

    private void Trim(long now)
    {
        while (recent.Count > 0 && Stopwatch.GetElapsedTime(recent.Peek().At, now) > Window)
        {
            recent.Dequeue();
        }
    }
}
