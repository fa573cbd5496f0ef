using System.Text.Json;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>A job's declaration, code version and parameter values, swapped as one (always under the GIL).</summary>
/// <param name="Declaration">The validated declaration of this version.</param>
/// <param name="Version">The content hash of the module and its local library code (see <see cref="LoadedJob.Version"/>).</param>
/// <param name="Parameters">The values calls see: defaults overlaid with operator-set values.</param>
/// <param name="LibraryModules">The local library modules the version covers (dotted names), sorted.</param>
internal sealed record JobState(JobDeclaration Declaration, string Version, IReadOnlyDictionary<string, object?> Parameters, IReadOnlyList<string> LibraryModules)
{
    /// <summary>Parses the runner's <c>{"ok": true, ...}</c> / <c>{"ok": false, "error": ...}</c> answer.</summary>
    public static (JobState? State, ErrorInfo? Error) Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            var e = root.GetProperty("error");
            return (null, new ErrorInfo(e.GetProperty("type").GetString()!, e.GetProperty("message").GetString()!,
                e.GetProperty("file").GetString()!, e.GetProperty("line").GetInt32(), e.GetProperty("traceback").GetString()!));
        }
        var parameters = root.GetProperty("params").EnumerateObject()
            .ToDictionary(p => p.Name, p => JobDeclaration.ToValue(p.Value), StringComparer.Ordinal);
        var files = root.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        return (new JobState(JobDeclaration.Parse(root.GetProperty("declaration")), root.GetProperty("version").GetString()!, parameters, files), null);
    }
}

/// <summary>The outcome of a reload.</summary>
/// <param name="Succeeded">Whether the new version is now running.</param>
/// <param name="Version">The version running after the reload.</param>
/// <param name="Error">Why the new version was rejected (the previous one keeps running), or null.</param>
public sealed record ReloadResult(bool Succeeded, string Version, JobValidationException? Error);

/// <summary>Per-job settings.</summary>
public sealed record JobOptions
{
    /// <summary>Per-call timeout of the logic. Default: the host's <see cref="PythonHostOptions.CallTimeout"/>.</summary>
    public TimeSpan? CallTimeout { get; init; }

    /// <summary>
    /// Reload the module when its file or a library file it imports changes (checked before the next call; an edit
    /// that leaves the content as loaded does not reload). Default true.
    /// </summary>
    public bool WatchForChanges { get; init; } = true;
}
