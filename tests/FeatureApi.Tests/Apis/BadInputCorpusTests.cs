using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// A corpus of malformed requests against every write operation the OpenAPI document lists (so a new endpoint is
/// covered without editing this test): broken JSON, the wrong JSON shape, an empty body, an unknown field, each
/// documented field with a value of the wrong type, a broken multipart form, unknown route values. Every answer is a
/// 4xx ProblemDetails without .NET type names, stack traces or file paths; a 400 names the field; nothing is a 500 or
/// a 2xx; afterwards the platform is ready and computes and answers as before.
/// </summary>
public sealed partial class BadInputCorpusTests(BadInputCorpusTests.AllRolesPlatform platform) : IClassFixture<BadInputCorpusTests.AllRolesPlatform>
{
    /// <summary>The platform with a key holding every role, so role checks do not hide the input checks.</summary>
    public sealed class AllRolesPlatform : PlatformFactory
    {
        /// <summary>The key with every role.</summary>
        public const string AllRoles = "test-all-roles";

        protected override bool UsesInMemoryParameters => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting($"Auth:Keys:{AllRoles}:Name", "all-roles");
            string[] roles = ["admin", "author", "operator", "reviewer", "reader"];
            for (var i = 0; i < roles.Length; i++)
            {
                builder.UseSetting($"Auth:Keys:{AllRoles}:Roles:{i}", roles[i]);
            }
        }
    }

    private sealed record Case(string Method, string Path, HttpContent? Body, string What, string? Field);

    [Fact]
    public async Task At_least_60_malformed_requests_across_every_write_endpoint_get_4xx_problems_naming_the_field_and_the_platform_is_unaffected()
    {
        await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(90));
        using var client = platform.CreateClient(AllRolesPlatform.AllRoles);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var cases = new List<Case>();
        var operations = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "post" or "put" or "patch" or "delete"))
            {
                operations++;
                cases.AddRange(CasesOf(root, operation.Name.ToUpperInvariant(), path.Name, operation.Value));
            }
        }
        Assert.True(operations >= 20, $"only {operations} write operations in the document");
        Assert.True(cases.Count >= 60, $"only {cases.Count} cases");

        var failures = new List<string>();
        var named = 0;
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path) { Content = c.Body };
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            var label = $"{c.Method} {c.Path} ({c.What}) → {status}: {Shorten(text)}";
            if (status is < 400 or >= 500 or 401 or 403)
            {
                failures.Add(label);
                continue;
            }
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{label} — not a ProblemDetails ({response.Content.Headers.ContentType})");
                continue;
            }
            if (Leak().Match(text) is { Success: true } leak)
            {
                failures.Add($"{label} — shows '{leak.Value}'");
                continue;
            }
            using var problem = JsonDocument.Parse(text);
            var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
            if (detail.Length == 0)
            {
                failures.Add($"{label} — no detail");
                continue;
            }
            if (status == 400 && c.Field is { } field)
            {
                if (text.Contains(field, StringComparison.OrdinalIgnoreCase))
                {
                    named++;
                }
                else
                {
                    failures.Add($"{label} — does not name '{field}'");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} malformed requests were not answered well:\n{string.Join('\n', failures)}");
        Assert.True(named >= 20, $"only {named} answers named the field");

        // Unaffected: ready, and a posted order still becomes features that the look-up answers.
        using var anonymous = platform.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        var user = $"u-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var posted = await client.PostAsync("/api/sources/orders/messages", Json($$"""{"order_id":"{{user}}","user_id":"{{user}}","created_at":{{now}},"amount":4.5}""")))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        var features = platform.Services.GetRequiredService<FeatureStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await features.GetAsync("order_stats_30d", user) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the live job did not compute the order posted after the corpus");
            await Task.Delay(100);
        }
        var answer = await ReadJsonAsync(await client.GetAsync($"/api/features/order_stats_30d/{user}"));
        Assert.Equal(4.5, answer.GetProperty("values").GetProperty("order_amount").GetDouble());
    }

    /// <summary>Seconds where milliseconds are expected: 2026-01-01T00:00:00Z and a day later, in seconds.</summary>
    private const long Seconds = 1767225600, SecondsLater = 1767312000;

    /// <summary>Every input that takes a time, given one in seconds: (method, path, body, the field the answer must name).</summary>
    private static IEnumerable<(string Method, string Path, Func<HttpContent?> Body, string Field)> TimesInSeconds()
    {
        yield return ("POST", "/api/backtests", () => Json($$"""{"job":"order_stats_30d","from":{{Seconds}},"to":{{SecondsLater}}}"""), "from");
        yield return ("POST", "/api/backtests", () => Json($$"""{"job":"order_stats_30d","from":"{{Seconds}}","to":"{{SecondsLater}}000"}"""), "from");
        yield return ("POST", "/api/backtests", () => Upload("users.csv", $"key,time,label\nu-1,{Seconds},1\nu-2,{SecondsLater},0\n"), "time");
        yield return ("POST", "/api/backtests", () => Upload("users.jsonl", $$"""{"key":"u-1","time":{{Seconds}}}""" + "\n"), "time");
        yield return ("POST", "/api/backtests", () => Upload("users.csv", $"user,when\nu-1,{Seconds}000\n"), "file");
        yield return ("POST", "/api/backfills", () => Json($$"""{"job":"order_stats_30d","from":{{Seconds}},"to":{{SecondsLater}}}"""), "from");
        yield return ("POST", "/api/parity", () => Json($$"""{"job":"order_stats_30d","from":{{Seconds}},"to":{{SecondsLater}}}"""), "from");
        yield return ("POST", "/api/sources/orders/slices", () => Json($$"""{"asOf":{{Seconds}}}"""), "asOf");
        yield return ("POST", "/api/jobs/order_stats_30d/parameters/proposals", () => Json($$"""{"values":{"min_amount":1},"reason":"r","effectiveAt":{{SecondsLater}}}"""), "effectiveAt");
        yield return ("POST", "/api/jobs/order_stats_30d/requests", () => Json($$"""{"key":"u-1","time":{{Seconds}}}"""), "time");
        yield return ("POST", "/api/sources/orders/messages", () => Json($$"""{"order_id":"o-s","user_id":"u-s","created_at":{{Seconds}},"amount":1}"""), "created_at");
        yield return ("POST", "/api/registry/jobs/order_stats_30d/versions/no-such-version/backtest", () => Json($$"""{"from":{{Seconds}},"to":{{SecondsLater}}}"""), "from");
        yield return ("POST", "/api/models/churn/versions", () => new MultipartFormDataContent
        {
            { new ByteArrayContent("""{"features": ["amount"], "weights": [2.0], "bias": 1.0}"""u8.ToArray()), "file", "model.json" },
            { new StringContent("linear-json"), "framework" }, { new StringContent($"{Seconds}"), "trainedFrom" }, { new StringContent("2026-02-01"), "trainedTo" },
        }, "trainedFrom");
        yield return ("GET", $"/api/events/orders/u-1?asOf={Seconds}", () => null, "asOf");
        yield return ("GET", $"/api/events/orders/u-1/history?from={Seconds}&to={SecondsLater}", () => null, "from");
    }

    private static MultipartFormDataContent Upload(string name, string table) => new()
    {
        { new StringContent("order_stats_30d"), "job" },
        { new ByteArrayContent(Encoding.UTF8.GetBytes(table)), "file", name },
    };

    [Fact]
    public async Task A_time_in_seconds_is_a_400_naming_the_field_and_the_milliseconds_to_send_on_every_input_that_takes_a_time()
    {
        await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(90));
        using var client = platform.CreateClient(AllRolesPlatform.AllRoles);
        var failures = new List<string>();
        foreach (var (method, path, body, field) in TimesInSeconds())
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body() };
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var label = $"{method} {path} → {(int)response.StatusCode}: {Shorten(text)}";
            var detail = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : ""
                : "";
            var header = field == "file"; // a table without the key and time columns: refused before it runs, naming them
            if (response.StatusCode != HttpStatusCode.BadRequest || !detail.Contains(field, StringComparison.Ordinal)
                || (header ? !detail.Contains("'key'", StringComparison.Ordinal) : !detail.Contains("looks like seconds", StringComparison.Ordinal) || !detail.Contains("000", StringComparison.Ordinal))
                || Leak().IsMatch(text))
            {
                failures.Add(label);
            }
        }
        Assert.True(failures.Count == 0, $"times in seconds not answered with a 400 naming the field and the fix:\n{string.Join('\n', failures)}");

        // The same inputs in milliseconds or ISO-8601 are accepted.
        using (var ms = await client.PostAsync("/api/backtests", Json($$"""{"job":"order_stats_30d","from":{{Seconds}}000,"to":"2026-01-02T00:00:00Z"}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, ms.StatusCode);
        }
        using (var table = await client.PostAsync("/api/backtests", Upload("users.csv", $"key,time\nu-1,{Seconds}000\nu-2,2026-01-01T10:00:00Z\n")))
        {
            Assert.Equal(HttpStatusCode.Accepted, table.StatusCode);
        }
        using var events = await client.GetAsync($"/api/events/orders/no-such-user?asOf={Seconds}000");
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
    }

    private static IEnumerable<Case> CasesOf(JsonElement root, string method, string template, JsonElement operation)
    {
        JsonElement? json = null;
        var multipart = false;
        if (operation.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var content))
        {
            if (content.TryGetProperty("application/json", out var j))
            {
                json = j;
            }
            multipart = content.TryGetProperty("multipart/form-data", out _);
        }
        if (json is null && !multipart)
        {
            // Nothing to malform but the route: values that name nothing (or are not valid names at all).
            yield return new Case(method, Fill(template, known: false), null, "unknown route values", null);
            if (template.Contains('{', StringComparison.Ordinal))
            {
                yield return new Case(method, Fill(template, known: false, bad: true), null, "route values with control characters", null);
            }
            yield break;
        }
        var path = Fill(template, known: true);
        if (multipart)
        {
            var broken = new ByteArrayContent("--zz\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\norder_stats_30d\r\n--zz\r\nbroken"u8.ToArray());
            broken.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=zz");
            yield return new Case(method, path, broken, "broken multipart form", null);
        }
        if (json is not { } schemaHolder)
        {
            yield break;
        }
        yield return new Case(method, path, Json("{\"a\": "), "truncated JSON", null);
        yield return new Case(method, path, Json("{'single': 'quotes'}"), "not JSON", null);
        yield return new Case(method, path, new StringContent("", Encoding.UTF8, "application/json"), "empty body", null);
        var schema = Resolve(root, schemaHolder.GetProperty("schema"));
        if (!schema.TryGetProperty("properties", out var properties))
        {
            yield return new Case(method, path, Json("42"), "a number instead of the body", null);
            yield break;
        }
        yield return new Case(method, path, Json("42"), "a number instead of an object", null);
        var example = schemaHolder.TryGetProperty("example", out var e) && JsonNode.Parse(e.GetRawText()) is JsonObject o ? o : [];
        if (template.Contains("{source}", StringComparison.Ordinal) && example.ContainsKey("name"))
        {
            example["name"] = "orders"; // the body's name must agree with the route's
        }
        var withUnknown = (JsonObject)example.DeepClone();
        withUnknown["no_such_field"] = 1;
        yield return new Case(method, path, Json(withUnknown.ToJsonString()), "an unknown field", "no_such_field");
        foreach (var property in properties.EnumerateObject())
        {
            var wrong = WrongValue(Resolve(root, property.Value));
            if (wrong is null)
            {
                continue;
            }
            var changed = (JsonObject)example.DeepClone();
            changed[property.Name] = wrong;
            yield return new Case(method, path, Json(changed.ToJsonString()), $"'{property.Name}' of the wrong type", property.Name);
        }
    }

    /// <summary>A value of another type than <paramref name="schema"/> allows, or null when any value is allowed.</summary>
    private static JsonNode? WrongValue(JsonElement schema)
    {
        var types = !schema.TryGetProperty("type", out var type) ? [] : type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()!).ToList()
            : [type.GetString()!];
        types.Remove("null");
        return types switch
        {
            ["string"] => JsonValue.Create(12345),
            ["integer"] or ["number"] => JsonValue.Create("not a number"),
            ["boolean"] => JsonValue.Create("maybe"),
            ["array"] => JsonValue.Create("not a list"),
            ["object"] => JsonValue.Create("not an object"),
            _ => null,
        };
    }

    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }
        return schema;
    }

    /// <summary>The route with its parameters filled: names that exist (so the body is checked), or names that do not.</summary>
    private static string Fill(string template, bool known, bool bad = false) => RouteParameter().Replace(template, m =>
    {
        if (bad)
        {
            return "%01x";
        }
        var name = m.Groups[1].Value;
        return known
            ? name switch
            {
                "job" => "order_stats_30d",
                "source" => "orders",
                "name" => "churn",
                "key" => "u-1",
                _ => "no-such-" + name,
            }
            : "no_such_" + name;
    });

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex(@"\{([^}:]+)(:[^}]*)?\}")]
    private static partial Regex RouteParameter();

    /// <summary>What a client must never see: .NET type names, exception names, stack frames, absolute file paths.</summary>
    [GeneratedRegex(@"\b(System|Microsoft|FeaturePlatform)\.[A-Z]\w*|Nullable<|\w+Exception\b|\bat \w+\.\w+\(|(?<![\w.])/(work|tmp|root|home|usr|var)/")]
    private static partial Regex Leak();
}
