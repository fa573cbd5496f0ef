using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Tests.Models;

/// <summary>Uploads to <c>/api/models</c>: each invalid field is a 400 naming it; roles; content-addressed versions.</summary>
public sealed class ModelsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly byte[] Linear = """{"features": ["amount"], "weights": [2.0], "bias": 1.0}"""u8.ToArray();

    public static TheoryData<string, string, string, string, string, string> InvalidUploads => new()
    {
        // model name, framework, trainedFrom, trainedTo, metrics, expected field
        { "bad name", "linear-json", "2026-01-01", "2026-02-01", "{}", "name" },
        { "churn", "onnx", "2026-01-01", "2026-02-01", "{}", "framework" },
        { "churn", "linear-json", "yesterday", "2026-02-01", "{}", "trainedFrom" },
        { "churn", "linear-json", "2026-01-01", "", "{}", "trainedTo" },
        { "churn", "linear-json", "2026-02-01", "2026-01-01", "{}", "trainedTo" },
        { "churn", "linear-json", "2026-01-01", "2026-02-01", "[1, 2]", "metrics" },
        { "churn", "linear-json", "2026-01-01", "2026-02-01", "{not json", "metrics" },
    };

    [Theory]
    [MemberData(nameof(InvalidUploads))]
    public async Task An_invalid_field_is_a_400_naming_it(string name, string framework, string from, string to, string metrics, string field)
    {
        using var author = factory.CreateClient(PlatformFactory.Author);
        using var response = await author.PostAsync($"/api/models/{Uri.EscapeDataString(name)}/versions", Form(Linear, framework, from, to, metrics));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, problem.ToString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("FeaturePlatform.", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_empty_or_malformed_artifact_is_a_400_naming_file()
    {
        using var author = factory.CreateClient(PlatformFactory.Author);
        foreach (var content in new[] { null, Array.Empty<byte>(), """{"features": ["a", "b"], "weights": [1.0]}"""u8.ToArray(), "not json"u8.ToArray() })
        {
            using var form = Form(content, "linear-json", "2026-01-01", "2026-02-01", "{}");
            using var response = await author.PostAsync("/api/models/churn/versions", form);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, problem.ToString());
            Assert.Equal("file", problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Authors_upload_readers_list_and_the_same_bytes_are_the_same_version()
    {
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        using (var refused = await reader.PostAsync("/api/models/lin/versions", Form(Linear, "linear-json", "2026-01-01", "2026-02-01", "{}")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using var author = factory.CreateClient(PlatformFactory.Author);
        using var first = await author.PostAsync("/api/models/lin/versions", Form(Linear, "linear-json", "1767225600000", "2026-02-01", """{"mae": 0.5}"""));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.Content.ReadFromJsonAsync<JsonElement>();
        var version = created.GetProperty("version").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Linear)), version);
        Assert.Equal(1767225600000, created.GetProperty("trainedFrom").GetInt64());
        Assert.Equal("demo-author", created.GetProperty("author").GetString());
        using (var again = await author.PostAsync("/api/models/lin/versions", Form(Linear, "linear-json", "2026-01-01", "2026-02-01", "{}")))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(version, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());
        }
        using (var otherFramework = await author.PostAsync("/api/models/lin/versions", Form(Linear, "sklearn", "2026-01-01", "2026-02-01", "{}")))
        {
            Assert.Equal(HttpStatusCode.Conflict, otherFramework.StatusCode);
        }
        var all = await reader.GetFromJsonAsync<JsonElement>("/api/models");
        Assert.Contains(all.EnumerateArray(), m => m.GetProperty("name").GetString() == "lin" && m.GetProperty("versions").GetArrayLength() == 1);
        var one = await reader.GetFromJsonAsync<JsonElement>($"/api/models/lin/versions/{version}");
        Assert.Equal(0.5, one.GetProperty("metrics").GetProperty("mae").GetDouble());
        using var unknown = await reader.GetAsync("/api/models/nope/versions");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static MultipartFormDataContent Form(byte[]? artifact, string framework, string from, string to, string metrics)
    {
        var form = new MultipartFormDataContent();
        if (artifact is not null)
        {
            form.Add(new ByteArrayContent(artifact), "file", "model.json");
        }
        form.Add(new StringContent(framework), "framework");
        form.Add(new StringContent(from), "trainedFrom");
        form.Add(new StringContent(to), "trainedTo");
        form.Add(new StringContent(metrics), "metrics");
        form.Add(new StringContent("test model"), "description");
        return form;
    }
}
