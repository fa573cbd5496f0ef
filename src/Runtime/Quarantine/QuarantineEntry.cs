using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>An event a job gave up on, as stored and shown (<c>GET /api/jobs/{job}/quarantine</c>).</summary>
/// <param name="Id">The entry's id within the job (URL-safe; names the event's source and id).</param>
/// <param name="Job">The job.</param>
/// <param name="JobVersion">The version (content hash) of the code that failed last.</param>
/// <param name="Mode">Where it failed last: live, replay or call.</param>
/// <param name="Source">The event's source.</param>
/// <param name="Key">The event's entity key.</param>
/// <param name="EventTime">The event's time (ms since the Unix epoch).</param>
/// <param name="EventId">The event's id.</param>
/// <param name="Event">The event in its canonical stored form (source, key, operation, times, position, id, images, headers).</param>
/// <param name="ErrorType">The last error's type (Python type, <c>TimeoutError</c>, or the host error's kind).</param>
/// <param name="Message">The last error's message.</param>
/// <param name="Traceback">The last error's Python traceback (or the host error's description).</param>
/// <param name="Attempts">Failed runs of the event in all (every quarantine and retry adds its runs).</param>
/// <param name="FirstQuarantinedAt">When the event was first quarantined (ms since the Unix epoch).</param>
/// <param name="LastFailedAt">When it failed last (ms since the Unix epoch).</param>
public sealed record QuarantineEntry(string Id, string Job,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Jobs.VersionTextConverter))] string JobVersion,
    string Mode, string Source, string Key, long EventTime, string EventId, JsonElement Event,
    string ErrorType, string Message, string Traceback, int Attempts, long FirstQuarantinedAt, long LastFailedAt)
{
    /// <summary>The id of the entry of <paramref name="source"/>'s event <paramref name="eventId"/>: base64url of both.</summary>
    public static string IdOf(string source, string eventId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{source}\0{eventId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The source and event id an entry id names, or null when <paramref name="id"/> is not one.</summary>
    public static (string Source, string EventId)? Parse(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 4096)
        {
            return null;
        }
        var base64 = id.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var zero = text.IndexOf('\0', StringComparison.Ordinal);
        return zero <= 0 || zero == text.Length - 1 ? null : (text[..zero], text[(zero + 1)..]);
    }
}

/// <summary>One event the run loop gives up on: the event, the last error and how many runs failed.</summary>
/// <param name="Job">The job.</param>
/// <param name="JobVersion">The version that failed last.</param>
/// <param name="Mode">live, replay or call.</param>
/// <param name="Event">The event as stored.</param>
/// <param name="ErrorType">The last error's type.</param>
/// <param name="Message">The last error's message.</param>
/// <param name="Traceback">The last error's traceback.</param>
/// <param name="Attempts">Runs that failed.</param>
/// <param name="At">When it failed last (ms since the Unix epoch).</param>
public sealed record QuarantinedEvent(string Job, string JobVersion, string Mode, ChangeEvent Event, string ErrorType, string Message, string Traceback,
    int Attempts, long At);
