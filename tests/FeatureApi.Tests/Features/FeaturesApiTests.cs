using System.Net;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.FeatureApi.Tests.Features;

/// <summary>Look-ups of features the runtime wrote to the feature store of the host's hot store.</summary>
public sealed class FeaturesApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_key_returns_its_latest_features_with_event_time_event_id_and_version()
    {
        var job = UniqueName.For("order_stats");
        await WriteAsync(job, "u1", 1000, "e1", 1, ("count", 3L), ("total", 12.5), ("tier", "gold"));
        await WriteAsync(job, "u1", 2000, "e2", 2, ("count", 4L), ("total", 20.0), ("tier", "gold"));
        await WriteAsync(job, "u1", 1500, "e-late", 2, ("count", 99L), ("total", 0.0), ("tier", "late"));

        using var client = factory.CreateClient(PlatformFactory.Reader);
        var body = await ReadJsonAsync(await client.GetAsync($"/api/features/{job}/u1"));
        Assert.Equal(job, body.GetProperty("job").GetString());
        Assert.Equal("u1", body.GetProperty("key").GetString());
        Assert.Equal(2000, body.GetProperty("eventTime").GetInt64());
        Assert.Equal("e2", body.GetProperty("eventId").GetString());
        Assert.Equal("v2", body.GetProperty("version").GetString());
        Assert.Equal(4, body.GetProperty("values").GetProperty("count").GetInt64());
        Assert.Equal("gold", body.GetProperty("values").GetProperty("tier").GetString());

        var some = await ReadJsonAsync(await client.GetAsync($"/api/features/{job}/u1?columns=count,%20total"));
        Assert.Equal(["count", "total"], some.GetProperty("values").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("e2", some.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task An_absent_key_or_job_is_a_404_problem()
    {
        var job = UniqueName.For("order_stats");
        await WriteAsync(job, "present", 1000, "e1", 1, ("count", 1L));
        using var client = factory.CreateClient(PlatformFactory.Reader);
        using var absent = await client.GetAsync($"/api/features/{job}/absent");
        await AssertProblemAsync(absent, HttpStatusCode.NotFound, $"Job '{job}' has no features for key 'absent'");
        using var otherJob = await client.GetAsync("/api/features/other_job/present");
        await AssertProblemAsync(otherJob, HttpStatusCode.NotFound);
        using var badColumns = await client.GetAsync($"/api/features/{job}/present?columns=a,,b");
        await AssertProblemAsync(badColumns, HttpStatusCode.BadRequest, "columns");
    }

    [Fact]
    public async Task A_batch_answers_every_key_in_order_with_null_for_absent_ones()
    {
        var job = UniqueName.For("order_stats");
        await WriteAsync(job, "a", 1000, "ea", 1, ("count", 1L), ("total", 1.0));
        await WriteAsync(job, "c", 3000, "ec", 1, ("count", 3L), ("total", 3.0));
        using var client = factory.CreateClient(PlatformFactory.Reader);
        var body = await ReadJsonAsync(await client.PostAsync($"/api/features/{job}:batch", Json("""{"keys":["c","b","a"],"columns":["count"]}""")));
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.Equal("c", results[0].GetProperty("key").GetString());
        Assert.Equal(3000, results[0].GetProperty("eventTime").GetInt64());
        Assert.Equal(["count"], results[0].GetProperty("values").EnumerateObject().Select(p => p.Name));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, results[1].ValueKind);
        Assert.Equal("ea", results[2].GetProperty("eventId").GetString());
        Assert.Equal(["b"], body.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
    }

    [Theory]
    [InlineData("""{"keys":[]}""", "Send 1 to 1000 keys; got 0")]
    [InlineData("""{"keys":["a",""]}""", "keys[1]")]
    [InlineData("""{"keys":["a",null]}""", "")]
    [InlineData("""{"keys":"a"}""", "keys: has the wrong type")]
    [InlineData("""{"kees":["a"]}""", "kees: not a field of this request")]
    [InlineData("""{"keys":["a"],"columns":[]}""", "columns")]
    [InlineData("{", "not valid JSON")]
    public async Task Bad_batches_get_400_problem_details(string body, string message)
    {
        using var client = factory.CreateClient(PlatformFactory.Reader);
        using var response = await client.PostAsync("/api/features/job:batch", Json(body));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task A_batch_over_1000_keys_is_refused_and_1000_are_answered()
    {
        using var client = factory.CreateClient(PlatformFactory.Reader);
        var tooMany = "{\"keys\":[" + string.Join(',', Enumerable.Range(0, 1001).Select(i => $"\"k{i}\"")) + "]}";
        using var refused = await client.PostAsync("/api/features/job:batch", Json(tooMany));
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "Send 1 to 1000 keys; got 1001");
        var limit = "{\"keys\":[" + string.Join(',', Enumerable.Range(0, 1000).Select(i => $"\"k{i}\"")) + "]}";
        // A registered job (an unknown one with no features at all is a 404 naming it).
        var body = await ReadJsonAsync(await client.PostAsync("/api/features/order_stats_30d:batch", Json(limit)));
        Assert.Equal(1000, body.GetProperty("missing").GetArrayLength());
    }

    [Fact]
    public async Task An_oversized_batch_body_is_refused_with_413()
    {
        using var client = factory.CreateClient(PlatformFactory.Reader);
        using var response = await client.PostAsync("/api/features/job:batch", Json("{\"keys\":[\"" + new string('k', 3 * 1024 * 1024) + "\"]}"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    private async Task WriteAsync(string job, string key, long eventTime, string eventId, int version, params (string Column, object Value)[] values)
    {
        var store = factory.Services.GetRequiredService<FeatureStore>();
        var trigger = new ChangeEvent
        {
            Source = "orders",
            EntityKey = key,
            Operation = EventOperation.Message,
            EventTime = eventTime,
            IngestTime = eventTime,
            Position = new SourcePosition("orders", 0, 0),
            EventId = eventId,
        };
        await store.WriteAsync([new FeatureResult(job, $"v{version}", trigger, 0, values.Select(v => new KeyValuePair<string, object?>(v.Column, v.Value)).ToList())], CancellationToken.None);
    }
}
