using System.Text;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// Deterministic synthetic change events: 4 sources, 100k entities each at most, ~1 event/ms of event time with
/// jitter (so times arrive out of order), 16 partitions, ~120-byte JSON after-images, a header on every 4th.
/// </summary>
internal static class SyntheticEvents
{
    public const long BaseTime = 1_700_000_000_000;
    public static readonly string[] Sources = ["orders", "users", "loans", "payments"];

    public static int EntitiesPerSource(int total) => Math.Max(100, Math.Min(100_000, total / 10));

    public static ChangeEvent Create(long i, int total)
    {
        var random = new Random(unchecked((int)(i * 2654435761)));
        var source = Sources[i % Sources.Length];
        var position = new SourcePosition("topic-" + source, (int)(i % 16), i / 16);
        var entity = random.Next(EntitiesPerSource(total));
        return new ChangeEvent
        {
            Source = source,
            EntityKey = "cust-" + entity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Operation = random.Next(20) == 0 ? EventOperation.Delete : EventOperation.Update,
            EventTime = BaseTime + i + random.Next(-500, 500),
            IngestTime = BaseTime + i + 1000,
            Position = position,
            EventId = EventIds.FromPosition(position),
            After = Encoding.UTF8.GetBytes($"{{\"id\":{entity},\"amount\":{random.Next(1_000_000)},\"status\":\"active\",\"score\":{random.NextDouble():F6},\"city\":\"c{random.Next(500)}\"}}"),
            Headers = i % 4 == 0 ? new Dictionary<string, string> { ["trace"] = random.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture) } : new Dictionary<string, string>(),
        };
    }

    public static List<ChangeEvent> Batch(long start, int count, int total)
    {
        var batch = new List<ChangeEvent>(count);
        for (var i = start; i < start + count; i++)
        {
            batch.Add(Create(i, total));
        }
        return batch;
    }
}
