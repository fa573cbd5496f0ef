using System.Net;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

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

    /// <summary>
    /// Posts one order per amount for each user (<c>{user}-{i}</c>, a day apart from <paramref name="t0"/>) to the
    /// <c>orders</c> source through the message API with <paramref name="client"/>, and waits until every user's orders
    /// are stored (readable in their history).
    /// </summary>
    public static async Task PostOrdersAsync(HttpClient client, IReadOnlyList<string> users, long t0, IReadOnlyList<double> amounts, TimeSpan? timeout = null)
    {
        const long day = 86_400_000;
        var orders = users.SelectMany(user => amounts.Select((a, i) => new { order_id = $"{user}-{i}", user_id = user, created_at = t0 + i * day, amount = a })).ToList();
        using (var posted = await client.PostAsync("/api/sources/orders/messages", Json(JsonSerializer.Serialize(orders))))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        foreach (var user in users)
        {
            await Poll.UntilAsync(async () =>
            {
                using var history = await client.GetAsync($"/api/events/orders/{user}/history");
                return history.IsSuccessStatusCode && (await ReadJsonAsync(history)).GetArrayLength() == amounts.Count;
            }, $"{user}'s {amounts.Count} orders stored", timeout);
        }
    }
}
