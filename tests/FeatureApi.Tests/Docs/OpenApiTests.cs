using System.Net;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Tests.Docs;

public sealed class OpenApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_OpenAPI_document_lists_the_APIs_and_the_api_key_scheme()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var expected in new[]
        {
            "/api/features/{job}/{key}", "/api/features/{job}:batch", "/api/jobs/{job}/parameters/proposals",
            "/api/jobs/{job}/parameters/proposals/{id}/approve", "/api/jobs/{job}/parameters/history", "/api/audit",
            "/api/sources/{source}/messages", "/api/events/{source}/{key}",
        })
        {
            Assert.Contains(expected, paths);
        }
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
    }

    [Fact]
    public async Task Swagger_UI_is_served_and_points_at_the_document()
    {
        using var client = factory.CreateClient();
        using var page = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var config = await client.GetAsync("/swagger/index.js");
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        Assert.Contains("/openapi/v1.json", await config.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
