using System.Net;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Features;

/// <summary>The benchmark baseline endpoint exists only when Api:StaticBaseline is on, and sits behind the same auth.</summary>
public sealed class BaselineApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_static_endpoint_is_off_by_default_and_when_on_answers_a_look_up_shaped_body_to_readers_only()
    {
        using (var client = factory.CreateClient(PlatformFactory.Reader))
        using (var off = await client.GetAsync("/api/static"))
        {
            Assert.Equal(HttpStatusCode.NotFound, off.StatusCode);
        }

        await using var on = factory.WithWebHostBuilder(b => b.UseSetting("Api:StaticBaseline", "true"));
        using var reader = on.CreateClient();
        reader.DefaultRequestHeaders.Add("X-Api-Key", PlatformFactory.Reader);
        var body = await ReadJsonAsync(await reader.GetAsync("/api/static"));
        Assert.Equal("order_stats_30d", body.GetProperty("job").GetString());
        Assert.Equal(17, body.GetProperty("values").GetProperty("order_count").GetInt64());
        using var anonymous = on.CreateClient();
        using var refused = await anonymous.GetAsync("/api/static");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
