using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

using FeaturePlatform.EventCenter.Diagnostics;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Writes a health report as JSON: the overall status and, per check, its status, description (which names the
/// part and the cause, e.g. the queue of a stalled forwarder) and details (kind, server, per-queue state). Exceptions are left out: no internals reach a client.
/// </summary>
internal static class HealthJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>The response writer for <c>MapHealthChecks</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        // Written to a buffer first: the serializer flushes synchronously, which Kestrel refuses on the response body.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        await using (var json = new Utf8JsonWriter(buffer, Options))
        {
            Write(json, report);
        }
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void Write(Utf8JsonWriter json, HealthReport report)
    {
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
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            // Details only of the external-system checks, whose data the checks build for clients (kind, server, counts,
            // causes); the others' data may hold internals (paths, tracebacks) and stay in the server's logs.
            if (entry.Data.Count > 0 && entry.Tags.Contains(ExternalSystemChecks.ExternalTag))
            {
                json.WritePropertyName("data");
                // Data holds strings, numbers and string arrays the checks put there (kinds, servers, counts, causes).
                JsonSerializer.Serialize(json, entry.Data.OrderBy(d => d.Key, StringComparer.Ordinal).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal));
            }
            // The runtime's per-job reasons for Degraded (built for clients: job names, reasons, times, lag).
            if (entry.Data.TryGetValue(RuntimeHealthCheck.JobsKey, out var jobs) && jobs is IReadOnlyDictionary<string, JobHealthJson> { Count: > 0 } degraded)
            {
                json.WritePropertyName("jobs");
                JsonSerializer.Serialize(json, degraded, WebJson);
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
