using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Writes a health report as JSON: the overall status and, per check, its status and description (which names the
/// part and the cause, e.g. the queue of a stalled forwarder). Exceptions are left out: no internals reach a client.
/// </summary>
internal static class HealthJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    /// <summary>The response writer for <c>MapHealthChecks</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body, Options);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            if (entry.Description is { Length: > 0 } description)
            {
                json.WriteString("description", description);
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
