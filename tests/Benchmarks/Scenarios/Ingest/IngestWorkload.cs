using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>Synthetic order messages (JSON, ~200 B, own ids) of one source on a 16-partition topic.</summary>
internal sealed class IngestWorkload(int count)
{
    public const int Partitions = 16;
    public const long T0 = 1_767_225_600_000;

    public int Count => count;

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
