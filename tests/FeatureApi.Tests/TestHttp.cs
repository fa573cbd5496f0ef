using System.Net;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Tests;

internal static class TestHttp
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts the status and a ProblemDetails body; returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        return body;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
