using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

public sealed class JsonMessageParserTests
{
    private static readonly SourceDefinition Requests = new()
    {
        Name = "credit.requests",
        Format = SourceFormat.Json,
        KeyFields = ["user.id"],
        TimeField = "created_at",
        IdField = "request_id",
    };

    [Fact]
    public void Key_time_and_id_come_from_configured_paths()
    {
        var json = """{"request_id":"r-1","user":{"id":12},"created_at":"2026-01-02T03:04:05.678Z","amount":100}""";
        var e = Single(EventParsers.Parse(Requests, Raw(json, headers: ("trace", "abc"u8.ToArray())), 9));
        Assert.Equal((EventOperation.Message, "12", "r-1"), (e.Operation, e.EntityKey, e.EventId));
        Assert.Equal(DateTimeOffset.Parse("2026-01-02T03:04:05.678Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), e.EventTime);
        Assert.Equal(json, Text(e.After));
        Assert.Equal("abc", e.Headers["trace"]);
    }

    [Fact]
    public void Without_a_time_field_the_transport_time_is_used_and_without_an_id_the_bus_position_names_the_event()
    {
        var source = Requests with { TimeField = null, IdField = null };
        var e = Single(EventParsers.Parse(source, Raw("""{"user":{"id":"u"}}""", timestamp: 123), 9));
        Assert.Equal(123L, e.EventTime);
        Assert.Equal("@orders-topic/3/42", e.EventId);

        // Identical bodies at two offsets are two messages: content never names an event.
        var again = Single(EventParsers.Parse(source, Raw("""{"user":{"id":"u"}}""", timestamp: 123) with { Position = Position with { Offset = 99 } }, 10));
        Assert.Equal("@orders-topic/3/99", again.EventId);

        // A forwarder's pinned id wins over the position (a re-forwarded copy is the same event).
        var pinned = Single(EventParsers.Parse(source, Raw("""{"user":{"id":"u"}}""", null, 123, ("fp-event-id", "amqp-7"u8.ToArray())) with { Position = Position with { Offset = 100 } }, 10));
        Assert.Equal("amqp-7", pinned.EventId);
    }

    [Fact]
    public void An_upstream_event_id_header_names_the_event()
    {
        var source = Requests with { TimeField = null, IdField = null };
        var e = Single(EventParsers.Parse(source, Raw("""{"user":{"id":"u"}}""", headers: ("fp-event-id", "req-77"u8.ToArray())), 9));
        Assert.Equal("req-77", e.EventId);

        // The RabbitMQ forwarder pins message ids of 1-512 characters; one of 300 non-ASCII characters (600 bytes)
        // must name the event too, or a re-delivered copy lands at a new bus position as a second event.
        var long_ = new string('é', 300);
        var wide = Single(EventParsers.Parse(source, Raw("""{"user":{"id":"u"}}""", headers: ("fp-event-id", System.Text.Encoding.UTF8.GetBytes(long_))), 9));
        Assert.Equal(long_, wide.EventId);
    }

    [Fact]
    public void Binary_headers_are_kept_as_base64()
    {
        var e = Single(EventParsers.Parse(Requests with { TimeField = null }, Raw("""{"user":{"id":1}}""", headers: ("bin", [0xff, 0xfe])), 9));
        Assert.Equal("base64://4=", e.Headers["bin"]);
    }

    [Theory]
    [InlineData("""{"user":{"id":1}}""", "missing time field 'created_at'")]
    [InlineData("""{"user":{},"created_at":1}""", "missing key field 'user.id'")]
    [InlineData("""{"user":{"id":""},"created_at":1}""", "entity key must be")]
    [InlineData("""{"user":{"id":1},"created_at":"yesterday"}""", "not an ISO-8601 time")]
    [InlineData("""{"user":{"id":1},"created_at":1,"request_id":"@forged"}""", "must be 1-512 characters")]
    [InlineData("""[1,2,3]""", "expected a JSON object")]
    [InlineData("""{"user":{"id":1}""", "malformed JSON")]
    [InlineData("", "empty message body")]
    public void Bad_messages_are_rejected_with_the_reason(string json, string reason)
    {
        var result = EventParsers.Parse(Requests, Raw(json), 9);
        Assert.True(result.IsRejected, "expected a rejection");
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_and_oversized_messages_are_rejected()
    {
        var invalid = EventParsers.Parse(Requests, Raw([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']), 9);
        Assert.True(invalid.IsRejected);
        var huge = EventParsers.Parse(Requests with { MaxMessageBytes = 100 }, Raw(Encoding.UTF8.GetBytes(new string(' ', 101))), 9);
        Assert.Contains("exceeds the source's limit of 100", huge.Error, StringComparison.Ordinal);
    }
}
