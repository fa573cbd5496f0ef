using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.Tests.EventStorage;
namespace FeaturePlatform.EventCenter.Tests.Events;

public sealed class EventCodecTests
{
    [Fact]
    public void Random_events_round_trip()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var gen = new EventGen(new Random(seed), ["s", "ソース\0x"], 50, -5_000, 1000, 7);
            for (var i = 0; i < 20; i++)
            {
                var e = gen.Next();
                var bytes = EventCodec.Encode(e);
                Assert.Equal(EventCodec.CurrentVersion, bytes[0]);
                Assert.True(e.Equals(EventCodec.Decode(bytes)), $"seed {seed}, event {i} did not round-trip");
            }
        }
    }

    [Fact]
    public void Extremes_and_empty_images_round_trip()
    {
        var e = new ChangeEvent
        {
            Source = "", EntityKey = "", Operation = EventOperation.Message, EventTime = long.MinValue, IngestTime = long.MaxValue,
            Position = new SourcePosition("", int.MinValue, long.MinValue), EventId = "x", Before = [], After = new byte[70_000],
            Headers = new Dictionary<string, string> { ["b"] = "", ["a"] = "€" },
        };
        Assert.Equal(e, EventCodec.Decode(EventCodec.Encode(e)));
    }

    [Fact]
    public void Header_order_does_not_change_the_bytes()
    {
        var a = EventStoreTests<InMemoryStoreFactory>.Event("k", 1, 0, 0, EventOperation.Insert, "{}") with { Headers = new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" } };
        var b = a with { Headers = new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" } };
        Assert.Equal(EventCodec.Encode(a), EventCodec.Encode(b));
    }

    [Fact]
    public void Unknown_versions_truncation_and_trailing_bytes_are_rejected()
    {
        var bytes = EventCodec.Encode(EventStoreTests<InMemoryStoreFactory>.Event("k", 1, 0, 0, EventOperation.Insert, "{\"a\":1}"));
        var wrongVersion = (byte[])bytes.Clone();
        wrongVersion[0] = 2;
        Assert.Contains("version 2", Assert.Throws<FormatException>(() => EventCodec.Decode(wrongVersion)).Message);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            Assert.Throws<FormatException>(() => EventCodec.Decode(bytes.AsSpan(0, cut)));
        }
        Assert.Throws<FormatException>(() => EventCodec.Decode([.. bytes, 0]));
    }

    [Fact]
    public void Ordered_key_encodings_sort_like_their_values()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var (a, b) = (RandomString(random), RandomString(random));
            var (x, y) = (random.NextInt64(long.MinValue, long.MaxValue), random.Next(4) == 0 ? long.MinValue : random.NextInt64(-10, 10));
            var ka = Key(a, x);
            var kb = Key(b, y);
            var expected = Math.Sign(string.CompareOrdinal(a, b) != 0 ? string.CompareOrdinal(a, b) : x.CompareTo(y));
            Assert.True(expected == Math.Sign(ka.AsSpan().SequenceCompareTo(kb)), $"iteration {i}: '{a}'/{x} vs '{b}'/{y}");
        }
    }

    [Fact]
    public void Main_keys_are_rebuilt_from_time_index_keys()
    {
        var keys = new EventKeys(16);
        var gen = new EventGen(new Random(5), ["s\0", "t"], 20, 0, 100, 1);
        for (var i = 0; i < 500; i++)
        {
            var e = gen.Next();
            Assert.Equal(keys.MainKey(e), EventKeys.MainKeyFromTimeKey(keys.TimeKey(e)));
            Assert.Equal(keys.EntityAtTime(e.Source, e.EntityKey, e.EventTime), EventKeys.AppendTime(keys.EntityPrefix(e.Source, e.EntityKey), e.EventTime));
            Assert.StartsWith(Convert.ToHexString(keys.EntityPrefix(e.Source, e.EntityKey)), Convert.ToHexString(keys.MainKey(e)), StringComparison.Ordinal);
        }
    }

    private static byte[] Key(string s, long v)
    {
        var buffer = new ByteBuffer();
        OrderedBytes.WriteString(buffer, s);
        OrderedBytes.WriteInt64(buffer, v);
        return buffer.ToArray();
    }

    /// <summary>ASCII with zero bytes and 0x01/0xFF-adjacent characters, where UTF-8 order equals ordinal order.</summary>
    private static string RandomString(Random random) =>
        new([.. Enumerable.Range(0, random.Next(4)).Select(_ => "\0\u0001ab\u007f"[random.Next(5)])]);
}
