using System.Net;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

public sealed class HealthEndpointTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_healthy(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
        var status = path.EndsWith("ready", StringComparison.Ordinal)
            ? System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()
            : body;
        Assert.Equal("Healthy", status);
    }

    [Fact]
    public async Task Readiness_names_every_check_with_its_status()
    {
        using var client = factory.CreateClient();
        var body = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement;
        var checks = body.GetProperty("checks");
        Assert.Contains(checks.EnumerateObject(), c => c.Name == "event-center");
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Unknown_path_is_404()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/no-such-endpoint");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
