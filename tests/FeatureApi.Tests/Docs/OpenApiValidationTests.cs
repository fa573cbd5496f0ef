using System.Text;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FeaturePlatform.FeatureApi.Tests.Docs;

/// <summary>
/// <c>/openapi/v1.json</c> reads without errors with Microsoft.OpenApi's reader (the library client generators such as
/// Kiota build on) and passes its default validation rules; a broken copy of the same document does not, so the check
/// can fail.
/// </summary>
public sealed class OpenApiValidationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_document_reads_and_validates_without_errors_and_a_broken_copy_is_caught()
    {
        using var client = factory.CreateClient();
        var text = await client.GetStringAsync("/openapi/v1.json");

        var errors = await ProblemsAsync(text);
        Assert.True(errors.Count == 0, string.Join('\n', errors));

        // The same document with a dangling schema reference and an operation without responses.
        var broken = JsonNode.Parse(text)!.AsObject();
        var firstPath = broken["paths"]!.AsObject().First().Value!.AsObject();
        var firstOperation = firstPath.First().Value!.AsObject();
        firstOperation.Remove("responses");
        Assert.NotEmpty(await ProblemsAsync(broken.ToJsonString()));
    }

    /// <summary>Reader diagnostics and validation errors of a document.</summary>
    private static async Task<List<string>> ProblemsAsync(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var read = await OpenApiDocument.LoadAsync(stream, "json");
        var problems = read.Diagnostic?.Errors.Select(e => $"read: {e}").ToList() ?? [];
        if (read.Document is { } document)
        {
            problems.AddRange(document.Validate(ValidationRuleSet.GetDefaultRuleSet()).Select(e => $"rule: {e}"));
        }
        else
        {
            problems.Add("no document");
        }
        return problems;
    }
}
