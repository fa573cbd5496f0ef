using System.Net;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// Connector output (Canal, Debezium, Maxwell) posted to <c>POST /api/sources/{source}/messages</c> as the connectors
/// write it, through the real host: multi-row messages, housekeeping and changes without a log position.
/// </summary>
public sealed class ConnectorMessageForwardTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const long T = 1767225600000;

    [Fact]
    public async Task A_canal_message_with_rows_of_several_entities_goes_to_each_entitys_partition_and_keeps_its_order()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        // Earlier changes of two entities that the bus keys onto different partitions, in the same second.
        var a = $"u-{Guid.NewGuid():N}";
        var partitionA = await SingleRowAsync(client, a, 1);
        string b;
        int partitionB;
        do
        {
            b = $"u-{Guid.NewGuid():N}";
            partitionB = await SingleRowAsync(client, b, 2);
        }
        while (partitionB == partitionA);

        // Then one multi-row INSERT as Canal writes it (Flink's and Canal's documented flat-message shape).
        var message = $$"""{"data":[{"id":"11","user_id":"{{a}}","amount":"10.50"},{"id":"12","user_id":"{{b}}","amount":"3.00"},{"id":"13","user_id":"{{a}}","amount":"4.00"}],"database":"loan","es":{{T}},"id":9,"isDdl":false,"mysqlType":{"id":"bigint(20)","user_id":"varchar(32)","amount":"decimal(10,2)"},"old":null,"pkNames":["id"],"sql":"","sqlType":{"id":-5,"user_id":12,"amount":3},"table":"repayments","ts":{{T + 50}},"type":"INSERT"}""";
        var events = (await PostAsync(client, "repayments", message)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(3, events.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
        Assert.All(events, e => Assert.Equal(0, e.GetProperty("message").GetInt32()));
        // Each row rides on its own entity's partition, so an entity's same-second changes keep the source's order.
        Assert.Equal([partitionA, partitionA, partitionB], events.Select(e => e.GetProperty("partition").GetInt32()));

        var historyA = await PollAsync(client, $"/api/events/repayments/{a}/history", h => h.GetArrayLength() == 3);
        Assert.Equal([1.0, 10.50, 4.00], historyA.EnumerateArray().Select(e => e.GetProperty("after").GetProperty("amount").GetDouble()));
        var historyB = await PollAsync(client, $"/api/events/repayments/{b}/history", h => h.GetArrayLength() == 2);
        Assert.Equal([2.0, 3.00], historyB.EnumerateArray().Select(e => e.GetProperty("after").GetProperty("amount").GetDouble()));
        foreach (var id in events.Select(e => e.GetProperty("eventId").GetString()))
        {
            await PollAsync(client, $"/api/events/repayments/by-id/{Uri.EscapeDataString(id!)}");
        }
    }

    [Fact]
    public async Task A_canal_update_that_moves_a_row_to_another_entity_deletes_it_from_the_old_one_on_the_new_ones_partition()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var from = $"u-{Guid.NewGuid():N}";
        var row = Guid.NewGuid().ToString("N");
        var inserted = await PostAsync(client, "repayments", $$"""{"data":[{"id":"{{row}}","user_id":"{{from}}","amount":"5"}],"database":"loan","es":{{T}},"id":8,"isDdl":false,"old":null,"pkNames":["id"],"sql":"","sqlType":{"id":12,"user_id":12,"amount":3},"table":"repayments","ts":{{T + 10}},"type":"INSERT"}""");
        var fromPartition = Assert.Single(inserted.GetProperty("events").EnumerateArray()).GetProperty("partition").GetInt32();
        string to;
        int toPartition;
        do
        {
            // An entity the bus keys onto another partition, so the moved row's partition says whose it is.
            to = $"u-{Guid.NewGuid():N}";
            toPartition = await SingleRowAsync(client, to, 1);
        }
        while (toPartition == fromPartition);
        // The repayment moves to another user: repayments are keyed by user_id, so it leaves one entity for another.
        var move = $$"""{"data":[{"id":"{{row}}","user_id":"{{to}}","amount":"5"}],"database":"loan","es":{{T + 1000}},"id":9,"isDdl":false,"old":[{"user_id":"{{from}}"}],"pkNames":["id"],"sql":"","sqlType":{"id":12,"user_id":12,"amount":3},"table":"repayments","ts":{{T + 1010}},"type":"UPDATE"}""";
        var events = (await PostAsync(client, "repayments", move)).GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(2, events.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
        Assert.All(events, e => Assert.Equal(toPartition, e.GetProperty("partition").GetInt32()));
        var left = await PollAsync(client, $"/api/events/repayments/{from}/history", h => h.GetArrayLength() == 2);
        Assert.Equal(["insert", "delete"], left.EnumerateArray().Select(e => e.GetProperty("operation").GetString()));
        Assert.Equal(from, left[1].GetProperty("before").GetProperty("user_id").GetString());
        var arrived = await PollAsync(client, $"/api/events/repayments/{to}/history", h => h.GetArrayLength() == 2);
        Assert.Equal(["insert", "insert"], arrived.EnumerateArray().Select(e => e.GetProperty("operation").GetString()));
    }

    private static async Task<int> SingleRowAsync(HttpClient client, string user, int amount)
    {
        var message = $$"""{"data":[{"id":"{{Guid.NewGuid():N}}","user_id":"{{user}}","amount":"{{amount}}"}],"database":"loan","es":{{T}},"id":8,"isDdl":false,"old":null,"pkNames":["id"],"sql":"","sqlType":{"id":12,"user_id":12,"amount":3},"table":"repayments","ts":{{T + 10}},"type":"INSERT"}""";
        return Assert.Single((await PostAsync(client, "repayments", message)).GetProperty("events").EnumerateArray()).GetProperty("partition").GetInt32();
    }

    [Fact]
    public async Task Housekeeping_posted_with_changes_is_accepted_and_recorded_and_nothing_is_dead_lettered()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        // A Debezium stream as a bridge would post it: a schema change, a row change, its delete and the tombstone.
        var ddl = $$$"""{"schema":null,"payload":{"source":{"connector":"mysql","name":"dbz","ts_ms":{{{T}}},"db":"crm","table":"user_profile","file":"mysql-bin.000003","pos":150},"databaseName":"crm","ddl":"ALTER TABLE user_profile ADD COLUMN tier INT","tableChanges":[]}}""";
        var change = $$"""{"before":null,"after":{"user_id":"{{user}}","tier":1},"source":{"connector":"mysql","name":"dbz","server_id":1,"ts_ms":{{T}},"db":"crm","table":"user_profile","file":"mysql-bin.000003","pos":400,"row":0},"op":"c","ts_ms":{{T + 20}}}""";
        var delete = $$"""{"before":{"user_id":"{{user}}","tier":1},"after":null,"source":{"connector":"mysql","name":"dbz","server_id":1,"ts_ms":{{T + 1000}},"db":"crm","table":"user_profile","file":"mysql-bin.000003","pos":700,"row":0},"op":"d","ts_ms":{{T + 1020}}}""";
        var answer = await PostAsync(client, "user_profile", $"[{ddl},{change},{delete},null]");

        Assert.Equal(["Ddl", "Tombstone"], answer.GetProperty("housekeeping").EnumerateArray().Select(h => h.GetProperty("kind").GetString()));
        Assert.Equal([1, 2], answer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetInt32()));
        var history = await PollAsync(client, $"/api/events/user_profile/{user}/history", h => h.GetArrayLength() == 2);
        Assert.Equal(["insert", "delete"], history.EnumerateArray().Select(e => e.GetProperty("operation").GetString()));
        var deadLetters = await PollAsync(client, "/api/dead-letters?source=user_profile");
        Assert.Equal(0, deadLetters.GetArrayLength());
    }

    [Theory]
    [InlineData("credit_profile", """{"database":"loan","table":"credit_profile","type":"insert","ts":1767225600,"xid":940752,"data":{"id":1,"user_id":"KEY","score":700}}""")]
    [InlineData("repayments", """{"data":[{"id":"1","user_id":"KEY"}],"database":"loan","es":1767225600000,"id":0,"isDdl":false,"pkNames":["id"],"table":"repayments","ts":1767225600000,"type":"INSERT"}""")]
    [InlineData("user_profile", """{"before":null,"after":{"user_id":"KEY"},"op":"c","ts_ms":1767225600000}""")]
    public async Task A_change_without_a_log_position_is_stored_under_the_id_the_answer_gave(string source, string message)
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        var answer = await PostAsync(client, source, message.Replace("KEY", user, StringComparison.Ordinal));
        var id = Assert.Single(answer.GetProperty("events").EnumerateArray()).GetProperty("eventId").GetString();
        var stored = await PollAsync(client, $"/api/events/{source}/by-id/{id}");
        Assert.Equal(user, stored.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_canal_time_in_seconds_is_a_400_naming_the_field_and_the_milliseconds_to_send()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        using var response = await client.PostAsync("/api/sources/repayments/messages", Json(
            """{"data":[{"id":"1","user_id":"u-s"}],"database":"loan","es":1767225600,"id":3,"isDdl":false,"pkNames":["id"],"table":"repayments","ts":1767225600,"type":"INSERT"}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("es: 1767225600 read as milliseconds", text, StringComparison.Ordinal);
        Assert.Contains("send 1767225600000", text, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> PostAsync(HttpClient client, string source, string body)
    {
        using var response = await client.PostAsync($"/api/sources/{source}/messages", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool>? until = null)
    {
        JsonElement? found = null;
        await Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }
            var element = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            found = element;
            return until is null || until(element);
        }, TimeSpan.FromSeconds(30), $"{path} did not answer as expected");
        return found!.Value;
    }
}
