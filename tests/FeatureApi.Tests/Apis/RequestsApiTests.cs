using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>Request–poll against the host's real runtime and the example job <c>order_stats_30d</c>.</summary>
public sealed class RequestsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_fast_request_is_answered_directly_and_the_same_result_can_be_polled()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=20000", Json(Request(user, now)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal("done", answer.GetProperty("state").GetString());
        var row = answer.GetProperty("results")[0];
        // A call is an event of calls.order_stats_30d, not an order: the user has no orders, and the call adds none.
        Assert.Equal((0, 0.0), (row.GetProperty("order_count").GetInt32(), row.GetProperty("order_amount").GetDouble()));

        var polled = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/order_stats_30d/requests/r-{user}");
        Assert.Equal(row.GetRawText(), polled.GetProperty("results")[0].GetRawText());

        // A retry with the same id computes on the stored event: same answer.
        using var retry = await client.PostAsync("/api/jobs/order_stats_30d/requests", Json(Request(user, now)));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(row.GetRawText(), JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("results")[0].GetRawText());

        // The same request id for a different event is refused before anything runs.
        using var clash = await client.PostAsync("/api/jobs/order_stats_30d/requests", Json(Request(user, now + 1)));
        Assert.Equal(HttpStatusCode.BadRequest, clash.StatusCode);
        Assert.Equal("application/problem+json", clash.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_retry_whose_data_is_the_same_JSON_written_differently_is_the_same_request()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        var requestId = $"r-reformatted-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Body(string data) => $$"""{"key":"u-reformatted","requestId":"{{requestId}}","time":{{now}},"data":{{data}}}""";
        using var first = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=20000", Json(Body("""{"user_id":"u-reformatted","amount":1.5}""")));
        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());

        // Another client library serializes the same object with spaces and in another member order: the same request.
        using var retry = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=20000", Json(Body("""{ "amount": 1.5, "user_id": "u-reformatted" }""")));
        var retried = await retry.Content.ReadAsStringAsync();
        Assert.True(retry.StatusCode == HttpStatusCode.OK, retried);
        Assert.Equal(requestId, JsonDocument.Parse(retried).RootElement.GetProperty("requestId").GetString());

        // A different value is a different request: refused, saying which field differs and what to do.
        using var clash = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=20000", Json(Body("""{"user_id":"u-reformatted","amount":2}""")));
        var refused = await clash.Content.ReadAsStringAsync();
        Assert.True(clash.StatusCode == HttpStatusCode.BadRequest, refused);
        Assert.Contains("its data differs", JsonDocument.Parse(refused).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("new request id", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_waiting_the_answer_is_202_and_polling_reaches_the_result()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=0", Json(JsonSerializer.Serialize(new { key = user, data = new { user_id = user, amount = 1 } })));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, body.GetRawText());
        var poll = body.GetProperty("poll").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var polled = await client.GetAsync(poll);
            if (polled.StatusCode == HttpStatusCode.OK)
            {
                var result = JsonDocument.Parse(await polled.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(user, result.GetProperty("results")[0].GetProperty("user_id").GetString());
                break;
            }
            Assert.Equal(HttpStatusCode.Accepted, polled.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the request did not complete in 30 s");
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData("order_stats_30d", """{"data":{}}""", PlatformFactory.Author, HttpStatusCode.BadRequest)]
    [InlineData("order_stats_30d", """{"key":"k","data":[1]}""", PlatformFactory.Author, HttpStatusCode.BadRequest)]
    [InlineData("order_stats_30d", """{"key":"k","source":"not-a-trigger"}""", PlatformFactory.Author, HttpStatusCode.BadRequest)]
    [InlineData("order_stats_30d", """{"key":"k","reply":{"exchange":"x","routingKey":"r"}}""", PlatformFactory.Author, HttpStatusCode.BadRequest)]
    [InlineData("no_such_job", """{"key":"k"}""", PlatformFactory.Author, HttpStatusCode.NotFound)]
    [InlineData("order_stats_30d", """{"key":"k"}""", PlatformFactory.Reader, HttpStatusCode.Forbidden)]
    [InlineData("order_stats_30d", """{"key":"k"}""", null, HttpStatusCode.Unauthorized)]
    public async Task Bad_requests_get_problem_details(string job, string body, string? key, HttpStatusCode status)
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(key);
        using var response = await client.PostAsync($"/api/jobs/{job}/requests?wait=5000", Json(body));
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("""{"key":"k","reply":{"routingKey":"r"}}""", "reply.exchange: required")]
    [InlineData("""{"key":"k","reply":{"exchange":null,"routingKey":"r"}}""", "reply.exchange: must not be null")]
    [InlineData("""{"key":"k","reply":{"exchange":"x","routingKey":"r","queue":"q"}}""", "reply.queue: not a field of reply; remove it (its fields are exchange, routingKey)")]
    public async Task A_wrong_field_inside_reply_is_named_by_its_path_and_JSON_name(string body, string detail)
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=0", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.StartsWith(detail, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(long.MaxValue, "outside year 1970..9999")]
    [InlineData(-1L, "outside year 1970..9999")]
    [InlineData(253402300799999L, "ahead of the server's clock")]
    public async Task A_call_time_that_ingestion_would_refuse_is_a_400_naming_the_time_field_and_nothing_is_stored(long time, string reason)
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        var requestId = $"r-bad-time-{Guid.NewGuid():N}";
        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests?wait=5000",
            Json(JsonSerializer.Serialize(new { key = "k", requestId, time, data = new { user_id = "k", amount = 1 } })));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        var problem = JsonDocument.Parse(body).RootElement;
        var message = problem.GetProperty("errors").GetProperty("time")[0].GetString()!;
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Contains("leave time out", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        using var polled = await client.GetAsync($"/api/jobs/order_stats_30d/requests/{requestId}");
        Assert.Equal(HttpStatusCode.NotFound, polled.StatusCode);
    }

    private static string Request(string user, long now) => JsonSerializer.Serialize(new
    {
        key = user,
        requestId = $"r-{user}",
        time = now,
        data = new { order_id = $"o-{user}", user_id = user, created_at = now, amount = 42.5 },
    });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
