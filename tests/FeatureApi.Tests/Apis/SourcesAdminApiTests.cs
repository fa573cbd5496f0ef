using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// Run-time sources on the embedded host: register, forward and read back through the new source, change it (a stale
/// revision is refused), delete it (forwarding then answers 404), delete and re-register a configured source; only
/// admins may; every call is audited.
/// </summary>
public sealed class SourcesAdminApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_source_is_registered_used_changed_and_deleted_at_run_time()
    {
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var name = "refunds_" + Guid.NewGuid().ToString("N")[..8];
        var definition = new { name, format = "Json", keyFields = new[] { "user_id" }, timeField = "t", idField = "rid" };

        using (var refused = await author.PostAsJsonAsync("/api/sources", definition))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        var created = await ReadAsync(await admin.PostAsJsonAsync("/api/sources", definition), HttpStatusCode.Created);
        var revision = created.GetProperty("revision").GetInt64();

        // Usable at once in this process: forwarded, ingested, read back.
        await ReadAsync(await author.PostAsJsonAsync($"/api/sources/{name}/messages", new { rid = "r1", user_id = "u1", t = 1767225600000, amount = 4 }), HttpStatusCode.OK);
        await WaitAsync(async () => (await admin.GetAsync($"/api/events/{name}/u1")).StatusCode == HttpStatusCode.OK, "the forwarded message is stored");

        // Changed: the new bound shows; a write at the old revision is refused naming it.
        var changed = await ReadAsync(await admin.PutAsJsonAsync($"/api/sources/{name}?revision={revision}", definition with { }), HttpStatusCode.OK);
        using (var body = JsonContent.Create(new { format = "Json", keyFields = new[] { "user_id" }, timeField = "t", idField = "rid", maxDelay = "00:00:03" }))
        {
            var update = await ReadAsync(await admin.PutAsync($"/api/sources/{name}?revision={changed.GetProperty("revision").GetInt64()}", body), HttpStatusCode.OK);
            Assert.True(update.GetProperty("revision").GetInt64() > changed.GetProperty("revision").GetInt64());
        }
        var source = await ReadAsync(await admin.GetAsync($"/api/catalog/sources/{name}"), HttpStatusCode.OK);
        Assert.Equal(3000, source.GetProperty("maxDelayMs").GetInt64());
        Assert.Equal("api", source.GetProperty("origin").GetString());
        var stale = await ReadAsync(await admin.PutAsJsonAsync($"/api/sources/{name}?revision={revision}", definition), HttpStatusCode.Conflict);
        Assert.Equal("revision", stale.GetProperty("field").GetString());
        var renamed = await ReadAsync(await admin.PutAsJsonAsync($"/api/sources/{name}", definition with { name = "other" }), HttpStatusCode.BadRequest);
        Assert.Equal("name", renamed.GetProperty("field").GetString());

        // Deleted: gone from the list, forwarding answers 404; a second delete is a 404 too.
        await ReadAsync(await admin.DeleteAsync($"/api/sources/{name}"), HttpStatusCode.OK);
        Assert.DoesNotContain(await NamesAsync(admin), n => n == name);
        await ReadAsync(await author.PostAsJsonAsync($"/api/sources/{name}/messages", new { rid = "r2", user_id = "u1", t = 1767225600001 }), HttpStatusCode.NotFound);
        await ReadAsync(await admin.DeleteAsync($"/api/sources/{name}"), HttpStatusCode.NotFound);

        // Every call is in the audit log.
        var audit = await ReadAsync(await admin.GetAsync("/api/audit?limit=1000"), HttpStatusCode.OK);
        var calls = audit.EnumerateArray().Select(r => (r.GetProperty("method").GetString(), r.GetProperty("path").GetString(), r.GetProperty("status").GetInt32())).ToList();
        Assert.Contains(("POST", "/api/sources", 201), calls);
        Assert.Contains(("POST", "/api/sources", 403), calls);
        Assert.Contains(("DELETE", $"/api/sources/{name}", 200), calls);
    }

    [Fact]
    public async Task A_configured_source_deleted_at_run_time_stays_deleted_until_registered_again()
    {
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        Assert.Contains("credit_profile", await NamesAsync(admin));
        await ReadAsync(await admin.DeleteAsync("/api/sources/credit_profile"), HttpStatusCode.OK);
        Assert.DoesNotContain("credit_profile", await NamesAsync(admin));
        var again = await ReadAsync(await admin.PostAsJsonAsync("/api/sources", new { name = "credit_profile", format = "Maxwell", keyFields = new[] { "user_id" } }),
            HttpStatusCode.Created);
        Assert.Equal("credit_profile", again.GetProperty("name").GetString());
        Assert.Contains("credit_profile", await NamesAsync(admin));
    }

    [Fact]
    public async Task An_uploaded_model_is_in_the_catalog_and_its_search()
    {
        using var author = factory.CreateClient(PlatformFactory.Author);
        var name = "catalog_" + Guid.NewGuid().ToString("N")[..8];
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent("""{"features": ["amount"], "weights": [2.0], "bias": 1.0}"""u8.ToArray()), "file", "model.json" },
            { new StringContent("linear-json"), "framework" }, { new StringContent("2026-01-01"), "trainedFrom" }, { new StringContent("2026-02-01"), "trainedTo" },
            { new StringContent("{}"), "metrics" }, { new StringContent("scores refunds"), "description" },
        };
        var uploaded = await ReadAsync(await author.PostAsync($"/api/models/{name}/versions", form), HttpStatusCode.Created);
        var models = await ReadAsync(await author.GetAsync("/api/catalog/models"), HttpStatusCode.OK);
        var model = models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);
        Assert.Equal(uploaded.GetProperty("version").GetString(), model.GetProperty("version").GetString());
        Assert.Equal("linear-json", model.GetProperty("framework").GetString());
        Assert.Equal("scores refunds", model.GetProperty("description").GetString());
        var hits = await ReadAsync(await author.GetAsync($"/api/catalog/search?q={name}"), HttpStatusCode.OK);
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("kind").GetString() == "model" && h.GetProperty("id").GetString() == $"model:{name}");
        var lineage = await ReadAsync(await author.GetAsync("/api/catalog/lineage"), HttpStatusCode.OK);
        Assert.Contains(lineage.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == $"model:{name}");
    }

    [Theory]
    [InlineData("""{"format":"Json","keyFields":["id"]}""", "name")]
    [InlineData("""{"name":"bad name!","format":"Json","keyFields":["id"]}""", "name")]
    [InlineData("""{"name":"s1","format":"Json"}""", "keyFields")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"topics":["orders"]}""", "topics")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"rabbitQueue":"q"}""", "rabbitQueue")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"mirror":{"connection":"nowhere","table":"t","keyColumns":["id"]}}""", "mirror.connection")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"maxDelay":"2.00:00:00"}""", "maxDelay")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"fields":{"amount":"Money"}}""", "fields.amount")]
    [InlineData("""{"name":"s1","format":"Json","keyFields":["id"],"colour":"red"}""", "colour")]
    [InlineData("""[1]""", "body")]
    public async Task A_bad_definition_is_refused_naming_the_field(string body, string field)
    {
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await ReadAsync(await admin.PostAsync("/api/sources", content), HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.DoesNotContain("Exception", problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("s1", await NamesAsync(admin));
    }

    private static async Task<List<string>> NamesAsync(HttpClient client) =>
        [.. (await ReadAsync(await client.GetAsync("/api/sources"), HttpStatusCode.OK)).EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} (expected {(int)expected}): {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(30));
}
