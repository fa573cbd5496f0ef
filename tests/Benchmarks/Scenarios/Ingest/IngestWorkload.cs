using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>
/// Synthetic order messages (JSON, ~200 B, own ids) of one source on a topic of <see cref="Partitions"/> partitions
/// (16, or more for big backlogs: the mock cluster keeps only ~5 MiB per partition).
/// </summary>
internal sealed class IngestWorkload(int count)
{
    public const long T0 = 1_767_225_600_000;

    public int Count => count;

    /// <summary>Partitions: 16, or enough for ~2 MiB of messages per partition.</summary>
    public int Partitions { get; } = Math.Max(16, count / 10_000);

    public static SourceDefinition Source(string topic) => new()
    {
        Name = "orders",
        Format = SourceFormat.Json,
        Topics = [topic],
        KeyFields = ["user_id"],
        TimeField = "created_at",
        IdField = "order_id",
    };

    public static OutgoingMessage Message(int i, long? time = null)
    {
        var user = $"user-{i % 50_000:D6}";
        var json = $$"""{"order_id":"o-{{i:D9}}","user_id":"{{user}}","created_at":{{time ?? T0 + i}},"amount":{{i % 1000}}.{{i % 100:D2}},"status":"created","channel":"app","currency":"EUR","merchant":"m-{{i % 977:D4}}"}""";
        return new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(json));
    }

    public IEnumerable<IReadOnlyList<OutgoingMessage>> Batches(int size)
    {
        for (var start = 0; start < count; start += size)
        {
            yield return Enumerable.Range(start, Math.Min(size, count - start)).Select(i => Message(i)).ToList();
        }
    }
}
