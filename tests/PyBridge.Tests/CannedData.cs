using System.Collections.Concurrent;
using System.Text.Json;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>An in-memory <see cref="IFeatureDataSource"/> with point-in-time answers, recording every read.</summary>
public sealed class CannedData : IFeatureDataSource
{
    private readonly ConcurrentDictionary<(string, string), List<(long Time, string? Json)>> _timelines = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public Func<string, string, Exception?>? FailWith { get; set; }

    public bool MayBlock { get; init; } = true;

    /// <summary>How long every read blocks before answering (a consistency wait, slow I/O). Default: none.</summary>
    public TimeSpan Delay { get; init; }

    public CannedData Add(string source, string key, long timeMs, object? data)
    {
        var timeline = _timelines.GetOrAdd((source, key), _ => []);
        lock (timeline)
        {
            timeline.Add((timeMs, data is null ? null : JsonSerializer.Serialize(data)));
            timeline.Sort((a, b) => a.Time.CompareTo(b.Time));
        }
        return this;
    }

    public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
    {
        Calls.Enqueue($"fetch {source} {key} {asOfMs} {consistency}");
        Block();
        if (FailWith?.Invoke(source, key) is { } error)
        {
            throw error;
        }
        if (!_timelines.TryGetValue((source, key), out var timeline))
        {
            return null;
        }
        lock (timeline)
        {
            return timeline.LastOrDefault(c => c.Time <= asOfMs).Json;
        }
    }

    public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency)
    {
        Calls.Enqueue($"history {source} {key} {sinceMs} {untilMs} {limit} {consistency}");
        Block();
        if (!_timelines.TryGetValue((source, key), out var timeline))
        {
            return "[]";
        }
        lock (timeline)
        {
            var items = timeline.Where(c => c.Time >= sinceMs && c.Time <= untilMs).Take(limit)
                .Select(c => $"{{\"time_ms\":{c.Time},\"data\":{c.Json ?? "{}"}}}");
            return "[" + string.Join(",", items) + "]";
        }
    }

    private void Block()
    {
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay); // the host's own worker thread, as a real data source's synchronous wait would block it
        }
    }
}
