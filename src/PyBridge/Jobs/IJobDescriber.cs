namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// Imports job modules in another process, so that a host whose jobs run in worker processes never runs author code
/// itself (module-level code included): loading a job, reloading it after an edit and checking parameter values all
/// go through it. Set on <see cref="PythonHost.JobDescriber"/>.
/// </summary>
public interface IJobDescriber
{
    /// <summary>
    /// Imports <paramref name="request"/>'s module in a fresh job runner and answers the runner's state: UTF-8 JSON,
    /// <c>{"ok": true, "version", "declaration", "params", "files"}</c> or <c>{"ok": false, "error": {...}}</c>, exactly as
    /// <see cref="PythonHost.DescribeJobAsync"/> answers it where the module is imported.
    /// </summary>
    /// <exception cref="JobValidationException">The import could not finish (the process importing it died or took too long).</exception>
    Task<byte[]> DescribeAsync(JobDescription request, CancellationToken cancellationToken);
}

/// <summary>What to import and which parameter values to apply.</summary>
/// <param name="Path">The module's full path.</param>
/// <param name="ParametersJson">Operator-set values (JSON object) to apply after the import; null: the defaults.</param>
/// <param name="Strict">
/// True: every value must be declared and valid, else the answer is an error (setting parameters). False: values no
/// longer valid under the imported declaration go back to their defaults (a reload keeps what still fits).
/// </param>
public sealed record JobDescription(string Path, string? ParametersJson, bool Strict);
