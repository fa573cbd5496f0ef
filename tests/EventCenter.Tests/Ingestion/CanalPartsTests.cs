using System.Text;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>Splitting a multi-row Canal message by entity for the HTTP forward path (as canal.mq.partitionHash splits).</summary>
public sealed class CanalPartsTests
{
    private static readonly SourceDefinition Repayments = Source(SourceFormat.Canal, "user_id");

    [Fact]
    public void Rows_split_by_entity_keep_their_old_values_their_text_and_distinct_ids()
    {
        var message = """{"data":[{"id":"1","user_id":"a","note":"还款 1"},{"id":"2","user_id":"b","note":"还款 2"},{"id":"3","user_id":"a","note":"还款 3"}],"database":"loan","es":1767225600000,"id":9,"isDdl":false,"old":[{"note":"x1"},{"note":"x2"},{"note":"x3"}],"pkNames":["id"],"table":"repayments","ts":1767225600100,"type":"UPDATE","sqlType":{"id":4,"user_id":12,"note":12}}""";
        var bytes = Encoding.UTF8.GetBytes(message);
        var whole = EventParsers.Parse(Repayments, Raw(bytes), 1);
        var parts = CanalParts.ByEntity(bytes, whole.Events);

        Assert.NotNull(parts);
        Assert.Equal(["a", "b"], parts.Select(p => p.Key));
        var events = parts.SelectMany(p => EventParsers.Parse(Repayments, Raw(p.Value), 1).Events).ToList();
        Assert.Equal(["a", "a", "b"], events.Select(e => e.EntityKey));
        Assert.Equal(["""{"id":1,"user_id":"a","note":"x1"}""", """{"id":3,"user_id":"a","note":"x3"}""", """{"id":2,"user_id":"b","note":"x2"}"""],
            events.Select(e => Encoding.UTF8.GetString(e.Before!)));
        Assert.Equal(3, events.Select(e => e.EventId).Distinct().Count());
        // Non-ASCII text stays as sent: the parts together are no larger than the message plus the repeated header.
        Assert.Contains("还款 3", Encoding.UTF8.GetString(parts[0].Value), StringComparison.Ordinal);
        Assert.True(parts.Sum(p => p.Value.Length) < 2 * bytes.Length, $"{parts.Sum(p => p.Value.Length)} bytes from {bytes.Length}");
    }

    [Fact]
    public void A_message_of_one_entity_is_not_split()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"data":[{"id":"1","user_id":"a"},{"id":"2","user_id":"a"}],"database":"loan","es":1,"id":9,"isDdl":false,"pkNames":["id"],"table":"repayments","ts":1,"type":"INSERT"}""");
        Assert.Null(CanalParts.ByEntity(bytes, EventParsers.Parse(Repayments, Raw(bytes), 1).Events));
    }
}
