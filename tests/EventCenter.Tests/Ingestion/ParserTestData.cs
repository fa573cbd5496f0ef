using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

internal static class ParserTestData
{
    public static readonly SourcePosition Position = new("orders-topic", 3, 42);

    public static RawMessage Raw(string json, string? key = null, long timestamp = 1_700_000_000_000, params (string Name, byte[] Value)[] headers) =>
        new(Position, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json), timestamp,
            headers.Select(h => new KeyValuePair<string, byte[]>(h.Name, h.Value)).ToList());

    public static RawMessage Raw(byte[] value) => new(Position, null, value, 1_700_000_000_000, []);

    public static SourceDefinition Source(SourceFormat format, params string[] keyFields) =>
        new() { Name = "loans.orders", Format = format, KeyFields = keyFields };

    public static ChangeEvent Single(ParseResult result)
    {
        Assert.False(result.IsRejected, result.Error);
        return Assert.Single(result.Events);
    }

    public static string Text(byte[]? bytes) => bytes is null ? "<null>" : Encoding.UTF8.GetString(bytes);
}
