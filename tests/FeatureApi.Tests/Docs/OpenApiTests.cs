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

    /// <summary>POST operations that read no body (everything else must document one).</summary>
    private static readonly string[] Bodyless =
    [
        "/api/backtests/{id}/cancel", "/api/backfills/{id}/cancel", "/api/jobs/{job}/enable", "/api/jobs/{job}/disable", "/api/jobs/{job}/quarantine/{id}/retry", "/api/corrections/{source}",
    ];

    [Fact]
    public async Task Every_POST_documents_its_body_with_a_schema_and_a_matching_example_and_its_error_answers_and_integers_are_integers()
    {
        using var client = factory.CreateClient();
        var text = await client.GetStringAsync("/openapi/v1.json");
        var doc = JsonDocument.Parse(text).RootElement;
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        var posts = doc.GetProperty("paths").EnumerateObject()
            .Where(p => p.Value.TryGetProperty("post", out _)).Select(p => (Path: p.Name, Operation: p.Value.GetProperty("post"))).ToList();
        Assert.True(posts.Count >= 19, $"only {posts.Count} POST operations");
        var problems = new List<string>();
        foreach (var (path, operation) in posts)
        {
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
            foreach (var code in new[] { "400", "401" }.Where(c => !responses.Contains(c)))
            {
                problems.Add($"{path}: no {code} response");
            }
            // Read-only queries sent as POST (a batch look-up, a selection, a saved selection's re-run) need only the read role.
            var query = path.EndsWith(":batch", StringComparison.Ordinal) || path.EndsWith(":select", StringComparison.Ordinal) || path == "/api/selections/{name}:run";
            if (!query && !responses.Contains("403"))
            {
                problems.Add($"{path}: no 403 response (every other POST needs a role beyond reading, or refuses some callers)");
            }
            if (Bodyless.Contains(path))
            {
                continue;
            }
            if (!operation.TryGetProperty("requestBody", out var body))
            {
                problems.Add($"{path}: no requestBody");
                continue;
            }
            foreach (var media in body.GetProperty("content").EnumerateObject())
            {
                if (!media.Value.TryGetProperty("schema", out var schema))
                {
                    problems.Add($"{path} {media.Name}: no schema");
                    continue;
                }
                if (!media.Value.TryGetProperty("example", out var example))
                {
                    problems.Add($"{path} {media.Name}: no example");
                    continue;
                }
                // Every property of the example is one the schema declares (objects; an array's items; any of oneOf).
                var declared = Properties(schema, schemas);
                var given = example.ValueKind == JsonValueKind.Array ? example.EnumerateArray().SelectMany(e => e.EnumerateObject()) : example.EnumerateObject();
                if (declared is not null)
                {
                    problems.AddRange(given.Where(p => !declared.Contains(p.Name)).Select(p => $"{path} {media.Name}: example property '{p.Name}' is not in the schema"));
                }
            }
        }
        foreach (var (path, code) in new[]
        {
            ("/api/jobs/{job}/parameters/proposals/{id}/approve", "409"), ("/api/registry/jobs/{job}/promote", "409"),
        })
        {
            if (!doc.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses").TryGetProperty(code, out _))
            {
                problems.Add($"{path}: no {code} response");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Swagger's "Try it out" on message-forward shows a whole message, not just the path's 'source'.
        var forward = doc.GetProperty("paths").GetProperty("/api/sources/{source}/messages").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal(["amount", "created_at", "order_id", "user_id"], forward[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // The backtest launch: JSON with from/to typed as integers (no ["integer","string"] with a pattern anywhere).
        var launch = doc.GetProperty("paths").GetProperty("/api/backtests").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").GetProperty("properties");
        Assert.Equal("integer", launch.GetProperty("from").GetProperty("type").GetString());
        var mixed = new List<string>();
        FindNumbersAsStrings(doc, "#", mixed);
        Assert.True(mixed.Count == 0, "numbers typed as strings too: " + string.Join(", ", mixed.Take(10)));
    }

    /// <summary>Schemas typed both integer/number and string (what reading numbers from strings produces), by location.</summary>
    private static void FindNumbersAsStrings(JsonElement element, string at, List<string> found)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array)
            {
                var types = type.EnumerateArray().Select(t => t.GetString()).ToHashSet();
                if (types.Contains("string") && (types.Contains("integer") || types.Contains("number")))
                {
                    found.Add(at);
                }
            }
            foreach (var property in element.EnumerateObject())
            {
                FindNumbersAsStrings(property.Value, $"{at}/{property.Name}", found);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                FindNumbersAsStrings(item, $"{at}/{i++}", found);
            }
        }
    }

    /// <summary>The property names a schema declares (following $ref, array items and oneOf), or null when it takes any.</summary>
    private static HashSet<string>? Properties(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Properties(schemas.GetProperty(reference.GetString()!.Split('/')[^1]), schemas);
        }
        if (schema.TryGetProperty("items", out var items))
        {
            return Properties(items, schemas);
        }
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var all = oneOf.EnumerateArray().Select(s => Properties(s, schemas)).ToList();
            return all.Any(a => a is null) ? null : all.SelectMany(a => a!).ToHashSet();
        }
        // An object schema without declared properties (a message of any source) takes any.
        return schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToHashSet() : null;
    }
}
