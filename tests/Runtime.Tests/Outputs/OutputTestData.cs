using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>Synthetic results (no Python needed).</summary>
internal static class OutputTestData
{
    public const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public static ChangeEvent Trigger(string key, long eventTime, string eventId, string source = "orders", long offset = 0) => new()
    {
        Source = source,
        EntityKey = key,
        Operation = EventOperation.Message,
        EventTime = eventTime,
        IngestTime = eventTime + 5,
        Position = new SourcePosition(source, 0, offset),
        EventId = eventId,
        After = Encoding.UTF8.GetBytes("{\"user_id\":\"" + key + "\"}"),
    };

    public static FeatureResult Result(string job, string key, long eventTime, string eventId, params (string Column, object? Value)[] values) =>
        new(job, "v3", Trigger(key, eventTime, eventId), 0, [.. values.Select(v => new KeyValuePair<string, object?>(v.Column, v.Value))]);

    /// <summary><paramref name="count"/> results of <paramref name="keys"/> keys, each with a count, a sum, a flag and a label.</summary>
    public static IReadOnlyList<FeatureResult> Many(string job, int count, int keys = 10, int startAt = 0) =>
        [.. Enumerable.Range(startAt, count).Select(i => new FeatureResult(job, "v3", Trigger($"u{i % keys}", T0 + (i * 1000L), $"o{i}", offset: i), 0,
        [
            new("n", (long)i),
            new("total", i * 1.5),
            new("flag", i % 2 == 0),
            new("label", i % 3 == 0 ? null : $"l{i}"),
        ]))];
}
