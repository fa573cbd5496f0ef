using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// Same event id, same change → one stored event, counted as a duplicate; same id, different change → the first stays
/// and a conflict record with both versions and the original bytes is listed by /api/dead-letters (with and without a
/// source), counted apart from duplicates. Through the real host: HTTP → embedded bus → ingest → event center.
/// </summary>
[Collection(Metrics.MetricsCollection.Name)]
public sealed partial class ConflictRecordTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_retry_is_a_duplicate_and_a_different_change_under_the_same_id_is_a_visible_conflict()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        var id = $"o-{user}";
        var first = $$"""{"order_id":"{{id}}","user_id":"{{user}}","created_at":1767225600000,"amount":1}""";
        var retry = $$"""{"user_id":"{{user}}", "order_id":"{{id}}","amount":1,"created_at":1767225600000}"""; // same JSON value
        var clash = $$"""{"order_id":"{{id}}","user_id":"{{user}}","created_at":1767225600000,"amount":2}""";
        var (duplicatesBefore, conflictsBefore) = await CountersAsync(client);

        await PostAsync(client, first);
        await PostAsync(client, retry);
        await WaitUntilAsync(async () => (await CountersAsync(client)).Duplicates > duplicatesBefore, "the retry to count as a duplicate");
        await PostAsync(client, clash);

        var letters = await PollAsync(client, "/api/dead-letters?kind=conflict&limit=1000", l => l.EnumerateArray().Any(d => Mentions(d, id)));
        var record = letters.EnumerateArray().Single(d => Mentions(d, id));
        Assert.Equal("orders", record.GetProperty("source").GetString());
        Assert.Equal("conflict", record.GetProperty("kind").GetString());
        Assert.Contains(id, record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(clash, Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("valueBase64").GetString()!)));
        var conflict = record.GetProperty("conflict");
        Assert.Equal(1, conflict.GetProperty("stored").GetProperty("after").GetProperty("amount").GetInt32());
        Assert.Equal(2, conflict.GetProperty("incoming").GetProperty("after").GetProperty("amount").GetInt32());

        var all = await client.GetFromJsonAsync<JsonElement>("/api/dead-letters?limit=1000");
        Assert.Contains(all.EnumerateArray(), d => Mentions(d, id));
        var ofSource = await client.GetFromJsonAsync<JsonElement>("/api/dead-letters?source=orders&limit=1000");
        Assert.Contains(ofSource.EnumerateArray(), d => Mentions(d, id));

        var state = await client.GetFromJsonAsync<JsonElement>($"/api/events/orders/{user}");
        Assert.Equal(1, state.GetProperty("after").GetProperty("amount").GetInt32());
        var history = await client.GetFromJsonAsync<JsonElement>($"/api/events/orders/{user}/history");
        Assert.Equal(1, history.GetArrayLength());
        var (duplicatesAfter, conflictsAfter) = await CountersAsync(client);
        Assert.True(duplicatesAfter >= duplicatesBefore + 1, $"duplicates {duplicatesBefore} → {duplicatesAfter}");
        Assert.True(conflictsAfter >= conflictsBefore + 1, $"conflicts {conflictsBefore} → {conflictsAfter}");
    }

    [Fact]
    public async Task An_unknown_kind_is_a_400_naming_the_parameter()
    {
        using var client = factory.CreateClient(PlatformFactory.Reader);
        using var response = await client.GetAsync("/api/dead-letters?kind=weird");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'kind'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static bool Mentions(JsonElement letter, string id) =>
        letter.TryGetProperty("conflict", out var c) && c.ValueKind == JsonValueKind.Object && c.GetProperty("eventId").GetString() == id;

    private static async Task PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/api/sources/orders/messages", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(long Duplicates, long Conflicts)> CountersAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        return (Value(text, "eventcenter_ingest_duplicates_total"), Value(text, "eventcenter_ingest_conflicts_total"));
    }

    private static long Value(string metrics, string name) => (long)Metrics.MetricsTests.Sum(metrics, name, ("source", "orders"));

    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool> until)
    {
        JsonElement last = default;
        await WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }
            last = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return until(last);
        }, path);
        return last;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(30));
}
