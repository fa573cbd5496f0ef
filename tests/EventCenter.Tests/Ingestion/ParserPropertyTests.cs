using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Randomized checks of every parser: random rows encoded in each format parse back to the same key, operation,
/// time and images; random corruptions of valid messages never throw and never yield an event without a key.
/// </summary>
public sealed class ParserPropertyTests
{
    private const int Iterations = 400;

    public static TheoryData<SourceFormat> Formats => new(Enum.GetValues<SourceFormat>());

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_rows_round_trip_through_each_format(SourceFormat format)
    {
        for (var seed = 0; seed < Iterations; seed++)
        {
            var random = new Random(seed);
            var row = RandomRow(random);
            var op = format == SourceFormat.Json ? EventOperation.Message : (EventOperation)random.Next(1, 4);
            // Whole seconds (Maxwell's unit) from 1973-03-03 on: earlier millisecond times read as seconds and are refused.
            var timeMs = random.NextInt64(TimeRangeCheck.SmallestMs / 1000, 4_000_000_000) * 1000;
            var json = Encode(format, row, op, timeMs);
            var source = Source(format, "id") with { TimeField = format == SourceFormat.Json ? "ts" : null };
            var result = EventParsers.Parse(source, Raw(json), 1);
            var context = $"seed {seed}, {format}: {json}";
            Assert.False(result.IsRejected, $"{context} -> {result.Error}");
            var e = Assert.Single(result.Events);
            Assert.Equal(op, e.Operation);
            Assert.Equal(KeyText(row["id"]!), e.EntityKey);
            Assert.Equal(timeMs, e.EventTime);
            var image = op == EventOperation.Delete ? e.Before : e.After;
            Assert.True(JsonNode.DeepEquals(row, Without(JsonNode.Parse(image!), "ts")), context);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Corrupted_messages_never_throw_and_never_yield_keyless_events(SourceFormat format)
    {
        var source = Source(format, "id") with { TimeField = format == SourceFormat.Json ? "ts" : null, MaxMessageBytes = 4096 };
        var rejected = 0;
        for (var seed = 0; seed < Iterations * 5; seed++)
        {
            var random = new Random(seed);
            var valid = Encoding.UTF8.GetBytes(Encode(format, RandomRow(random), format == SourceFormat.Json ? EventOperation.Message : EventOperation.Insert, 1000));
            var corrupted = Corrupt(valid, random);
            ParseResult result;
            try
            {
                result = EventParsers.Parse(source, Raw(corrupted), 1);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: parser threw {e.GetType().Name} for {Convert.ToHexString(corrupted)}: {e}");
            }
            if (result.IsRejected)
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(result.Error));
                Assert.Empty(result.Events);
            }
            else
            {
                Assert.All(result.Events, e => Assert.False(string.IsNullOrEmpty(e.EntityKey), $"seed {seed}: keyless event"));
                Assert.All(result.Events, e => Assert.InRange(e.EventTime, 0, 253402300799999));
            }
        }
        Assert.True(rejected > Iterations, $"only {rejected} corruptions were rejected: the corruption is too mild to test anything");
    }

    private static JsonObject RandomRow(Random random)
    {
        var row = new JsonObject
        {
            ["id"] = random.Next(2) == 0 ? JsonValue.Create(random.Next(1, 1_000_000)) : JsonValue.Create($"k-{random.Next()}-ü"),
        };
        for (var i = random.Next(0, 5); i > 0; i--)
        {
            row[$"c{i}"] = random.Next(4) switch
            {
                0 => JsonValue.Create(random.NextDouble() * 1000),
                1 => JsonValue.Create(new string((char)random.Next('a', 'z' + 1), random.Next(0, 20))),
                2 => null,
                _ => JsonValue.Create(random.Next(2) == 0),
            };
        }
        return row;
    }

    private static string Encode(SourceFormat format, JsonObject row, EventOperation op, long timeMs)
    {
        var image = row.ToJsonString();
        return format switch
        {
            SourceFormat.Debezium => op == EventOperation.Delete
                ? "{\"before\":" + image + ",\"after\":null,\"op\":\"d\",\"source\":{\"ts_ms\":" + timeMs + "}}"
                : "{\"before\":null,\"after\":" + image + ",\"op\":\"" + (op == EventOperation.Insert ? "c" : "u") + "\",\"source\":{\"ts_ms\":" + timeMs + "}}",
            SourceFormat.Canal => "{\"type\":\"" + op.ToString().ToUpperInvariant() + "\",\"pkNames\":[\"id\"],\"es\":" + timeMs + ",\"data\":[" + image + "]}",
            SourceFormat.Maxwell => "{\"type\":\"" + op.ToString().ToLowerInvariant() + "\",\"ts\":" + (timeMs / 1000) + ",\"data\":" + image + ",\"old\":{}}",
            _ => WithTime(row, timeMs),
        };
    }

    private static string WithTime(JsonObject row, long timeMs)
    {
        var copy = JsonNode.Parse(row.ToJsonString())!.AsObject();
        copy["ts"] = timeMs;
        return copy.ToJsonString();
    }

    private static JsonNode? Without(JsonNode? node, string property)
    {
        node?.AsObject().Remove(property);
        return node;
    }

    private static string KeyText(JsonNode id) => id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : id.ToJsonString();

    private static byte[] Corrupt(byte[] valid, Random random)
    {
        var bytes = valid.ToList();
        switch (random.Next(5))
        {
            case 0:
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 1:
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                }
                return [.. bytes];
            case 2:
                bytes.InsertRange(random.Next(bytes.Count), Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                return [.. bytes];
            case 3:
                // A type confusion: a scalar where an object or number should be.
                var text = Encoding.UTF8.GetString(valid);
                var swap = new[] { ("{\"id\"", "{\"id\":{},\"x\""), (":1", ":\"1x\""), ("\"data\":", "\"data\":7,\"d\":"), ("\"ts\":", "\"ts\":\"x\",\"t\":") }[random.Next(4)];
                return Encoding.UTF8.GetBytes(text.Replace(swap.Item1, swap.Item2, StringComparison.Ordinal));
            default:
                return [.. Enumerable.Range(0, random.Next(0, 64)).Select(_ => (byte)random.Next(256))];
        }
    }
}
