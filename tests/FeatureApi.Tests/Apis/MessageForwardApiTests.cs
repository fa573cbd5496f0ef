using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>HTTP message-forward → embedded bus → ingest → event center, through the real host.</summary>
public sealed class MessageForwardApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_posted_message_is_answered_with_its_event_id_and_becomes_the_entity_state()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        using var response = await client.PostAsync("/api/sources/orders/messages",
            Json($$"""{"order_id":"o-{{user}}","user_id":"{{user}}","created_at":1767225600000,"amount":12.5}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var forwarded = JsonDocument.Parse(body).RootElement.GetProperty("events")[0];
        Assert.Equal($"o-{user}", forwarded.GetProperty("eventId").GetString());

        var state = await PollAsync(client, $"/api/events/orders/{user}?asOf=1767225600000");
        Assert.Equal(12.5, state.GetProperty("after").GetProperty("amount").GetDouble());
        Assert.Equal("message", state.GetProperty("operation").GetString());
        using var before = await client.GetAsync($"/api/events/orders/{user}?asOf=1767225599999");
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        var byId = await client.GetFromJsonAsync<JsonElement>($"/api/events/orders/by-id/o-{user}");
        Assert.Equal(user, byId.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_batch_without_ids_gets_fresh_ids_and_history_lists_it_in_time_order()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        var batch = "[" + string.Join(',', Enumerable.Range(0, 5).Select(i =>
            $$"""{"user_id":"{{user}}","created_at":{{1767225600000 + (4 - i) * 1000}},"amount":{{i}}}""")) + "]";
        using var response = await client.PostAsync("/api/sources/orders/messages", Json(batch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("eventId").GetString()).ToList();
        Assert.Equal(5, ids.Distinct().Count());

        var history = await PollAsync(client, $"/api/events/orders/{user}/history", h => h.GetArrayLength() == 5);
        Assert.Equal([4.0, 3, 2, 1, 0], history.EnumerateArray().Select(e => e.GetProperty("after").GetProperty("amount").GetDouble()));
    }

    [Theory]
    [InlineData("orders", """{"user_id":"u1"}""", HttpStatusCode.BadRequest, "missing time field 'created_at'")]
    [InlineData("orders", """{"user_id":""", HttpStatusCode.BadRequest, "not valid JSON (line 1, position 12): check its quotes, commas and brackets")]
    [InlineData("orders", "", HttpStatusCode.BadRequest, "The body is empty; send one JSON message")]
    [InlineData("orders", "user_id=u1", HttpStatusCode.BadRequest, "(line 1, position 1): check its quotes")]
    [InlineData("orders", """[]""", HttpStatusCode.BadRequest, "Post 1 to 1000 messages")]
    [InlineData("user_profile", """{"op":"q","after":{"user_id":1},"source":{"ts_ms":1}}""", HttpStatusCode.BadRequest, "unknown Debezium op 'q'")]
    [InlineData("nope", """{"a":1}""", HttpStatusCode.NotFound, "Unknown source 'nope'")]
    public async Task Bad_requests_get_problem_details_and_nothing_is_forwarded(string source, string body, HttpStatusCode status, string detail)
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        using var response = await client.PostAsync($"/api/sources/{source}/messages", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, text, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", text, StringComparison.Ordinal); // the parser's own wording is no fix
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        using var response = await client.PostAsync("/api/sources/orders/messages", Json("[" + new string(' ', 9 * 1024 * 1024) + "]"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Sources_and_watermarks_are_listed()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var sources = await client.GetFromJsonAsync<JsonElement>("/api/sources");
        Assert.Contains("orders", sources.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        using var post = await client.PostAsync("/api/sources/orders/messages", Json("""{"user_id":"w","created_at":1767225600000}"""));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var watermarks = await PollAsync(client, "/api/watermarks/orders",
            w => w.GetProperty("partitions").EnumerateArray().Any(p => p.GetProperty("nextOffset").ValueKind == JsonValueKind.Number));
        Assert.Contains(watermarks.GetProperty("partitions").EnumerateArray(), p => p.GetProperty("nextOffset").ValueKind == JsonValueKind.Number && p.GetProperty("nextOffset").GetInt64() > 0);
        // Every partition of the bus is listed with its end offset; once ingestion caught up, nothing is left to store.
        var caughtUp = await PollAsync(client, "/api/watermarks/orders", w => w.GetProperty("partitions").EnumerateArray().All(p => p.GetProperty("lag").GetInt64() == 0));
        Assert.Equal(4, caughtUp.GetProperty("partitions").GetArrayLength());
        Assert.Equal(1000, caughtUp.GetProperty("maxOutOfOrdernessMs").GetInt64());
        Assert.Equal(5000, caughtUp.GetProperty("maxDelayMs").GetInt64());
        Assert.True(caughtUp.GetProperty("lateEvents").GetInt64() >= 0);
        using var unknown = await client.GetAsync("/api/watermarks/no-such-source");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var element = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (until is null || until(element))
                {
                    return element;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} did not answer as expected within 30 s (last: {(int)response.StatusCode}).");
            }
            await Task.Delay(25);
        }
    }
}
