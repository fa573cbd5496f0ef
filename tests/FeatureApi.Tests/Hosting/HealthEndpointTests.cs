using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

public sealed class HealthEndpointTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
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
        Assert.Equal("Healthy", body);
    }

    [Fact]
    public async Task Unknown_path_is_404_problem()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/no-such-endpoint");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
