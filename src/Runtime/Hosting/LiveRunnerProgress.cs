using System.Diagnostics;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// How far one live runner got: the newest event time and the position per partition of the batches it completed
/// (outputs written, offsets committed), its throughput over the last <see cref="Window"/> and as a recent series
/// (<see cref="RecentThroughput"/>), and when its last batch wrote results. Thread-safe; fed by the live jobs service
/// after each batch, read by status queries and metrics.
/// </summary>
public sealed class LiveRunnerProgress
{
    /// <summary>Window of <see cref="EventsPerSecond"/>.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>Width of one point of <see cref="RecentThroughput"/>: 10 s.</summary>
    public static readonly TimeSpan SeriesStep = TimeSpan.FromSeconds(10);

    /// <summary>Points of <see cref="RecentThroughput"/>: 30 (the last 5 minutes).</summary>
    public const int SeriesPoints = 30;

    private readonly Lock gate = new();
    private readonly Dictionary<(string Stream, int Partition), long> nextOffsets = [];
    private readonly Queue<(long At, int Events)> recent = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly List<(long Step, long Events)> steps = [];
    private long lastEventTime = long.MinValue;
    private DateTimeOffset? lastOutputAt;

    /// <summary>When the last completed batch that wrote result rows finished, or null before the first one.</summary>
    public DateTimeOffset? LastOutputAt
    {
        get
        {
            lock (gate)
            {
                return lastOutputAt;
            }
        }
    }

    /// <summary>
    /// Events per second completed in each <see cref="SeriesStep"/> of the last <see cref="SeriesPoints"/> steps, oldest
    /// first, ending with the current (partial) step; shorter while the runner is younger than that.
    /// </summary>
    public IReadOnlyList<double> RecentThroughput
    {
        get
        {
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                var elapsed = Stopwatch.GetElapsedTime(started, now);
                var current = elapsed.Ticks / SeriesStep.Ticks;
                TrimSteps(current);
                var first = Math.Max(0, current - SeriesPoints + 1);
                var counts = steps.ToDictionary(s => s.Step, s => s.Events);
                var series = new List<double>((int)(current - first + 1));
                for (var step = first; step <= current; step++)
                {
                    // The current step is divided by the part of it that has passed (at least a second).
                    var seconds = step < current ? SeriesStep.TotalSeconds : Math.Max(1, elapsed.TotalSeconds - (current * SeriesStep.TotalSeconds));
                    series.Add(counts.GetValueOrDefault(step) / seconds);
                }
                return series;
            }
        }
    }

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
    public void Completed(IReadOnlyList<ChangeEvent> events) => Completed(events, null);

    /// <summary>Records a completed batch; <paramref name="outputAt"/> is when it finished if it wrote result rows.</summary>
    public void Completed(IReadOnlyList<ChangeEvent> events, DateTimeOffset? outputAt)
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
            if (outputAt is { } at && (lastOutputAt is null || at > lastOutputAt))
            {
                lastOutputAt = at;
            }
            var now = Stopwatch.GetTimestamp();
            recent.Enqueue((now, events.Count));
            Trim(now);
            var step = Stopwatch.GetElapsedTime(started, now).Ticks / SeriesStep.Ticks;
            if (steps.Count > 0 && steps[^1].Step == step)
            {
                steps[^1] = (step, steps[^1].Events + events.Count);
            }
            else
            {
                steps.Add((step, events.Count));
            }
            TrimSteps(step);
        }
    }

    private void TrimSteps(long current)
    {
        steps.RemoveAll(s => s.Step <= current - SeriesPoints);
    }

    private void Trim(long now)
    {
        while (recent.Count > 0 && Stopwatch.GetElapsedTime(recent.Peek().At, now) > Window)
        {
            recent.Dequeue();
        }
    }
}
