using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>What validating an upload found: the declaration, version and imported library modules, the tests run and the schema check.</summary>
/// <param name="Version">The content hash of the job module and the library modules it imported.</param>
/// <param name="Declaration">The job's declaration.</param>
/// <param name="LibraryModules">Library modules the job imported (what its version pins).</param>
/// <param name="Tests">The module's own tests that ran (all passed).</param>
/// <param name="SchemaRows">Rows checked against the declared outputs.</param>
/// <param name="SchemaFrom"><c>tests</c> (rows the module's tests computed) or <c>sample</c> (a sample event of its first trigger).</param>
/// <param name="SchemaNote">Why no row was checked, when none was (empty otherwise).</param>
public sealed record ValidationReport(string Version, JobDeclaration Declaration, IReadOnlyList<string> LibraryModules, IReadOnlyList<string> Tests, int SchemaRows,
    string SchemaFrom, string SchemaNote)
{
    /// <summary>One line for the version's history: tests run, rows checked.</summary>
    public string Summary =>
        $"validated in a sandbox process: {Tests.Count} test(s) passed; output schema checked on {SchemaRows} row(s) from {SchemaFrom}" +
        (SchemaNote.Length > 0 ? $" ({SchemaNote})" : "");
}

/// <summary>
/// Validates an upload in a sandbox process of its own, never in the API process: the interpreter the runtime embeds runs
/// <c>featureplatform._validate</c> on the staged upload — import (declaration, version, pinned modules), the module's own
/// tests (<c>featureplatform.testing</c>), the output schema — with a clean environment (no credentials of this process),
/// a wall-clock limit (<see cref="PublishingSettings.ValidationTimeout"/>) and the jobs' memory limit (resident memory
/// checked every <paramref name="checkInterval"/>, as worker processes are); past either it is killed and the upload fails.
/// </summary>
/// <param name="settings">Publishing settings (the time limit).</param>
/// <param name="memoryLimitMb">Resident memory limit in MiB (0: none); the jobs' <c>Runtime:Workers:MemoryLimitMb</c>.</param>
/// <param name="checkInterval">How often memory and time are checked; the jobs' <c>Runtime:Workers:HeartbeatInterval</c>.</param>
public sealed class SandboxValidator(PublishingSettings settings, int memoryLimitMb, TimeSpan checkInterval)
{
    private const int TailChars = 4096;
    private static readonly string[] KeptVariables = ["PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH", "PYTHONHOME"];

    /// <summary>Validates <paramref name="jobFile"/> (relative to <paramref name="root"/>, the staged upload).</summary>
    /// <param name="host">The runtime's interpreter host: its interpreter, SDK and library directories are used.</param>
    /// <param name="root">The staged upload.</param>
    /// <param name="jobFile">The job module, relative to <paramref name="root"/>.</param>
    /// <param name="cancellationToken">Cancels (the process is killed).</param>
    /// <exception cref="PublishingException">Validation failed: names the file and line, and the test or column at fault.</exception>
    public async Task<ValidationReport> ValidateAsync(PythonHost host, string root, string jobFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var sdk = Path.GetFullPath(host.Options.SdkDirectory ?? Path.Combine(AppContext.BaseDirectory, "python"));
        var reportPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root))!, Path.GetFileName(root) + ".report.json");
        var start = new ProcessStartInfo(host.Installation.Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        start.Environment.Clear();
        foreach (var name in KeptVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                start.Environment[name] = value;
            }
        }
        start.ArgumentList.Add("-B");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"import sys\nsys.path.insert(0, {JsonSerializer.Serialize(sdk)})\nfrom featureplatform._validate import main\nmain()");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{start.FileName}'");
        try
        {
            var stdout = DrainAsync(process.StandardOutput);
            var stderr = DrainAsync(process.StandardError);
            try
            {
                await process.StandardInput.WriteAsync(JsonSerializer.Serialize(new
                {
                    root = Path.GetFullPath(root),
                    job_file = jobFile,
                    library_dirs = host.Options.LibraryDirectories.Select(Path.GetFullPath),
                    report = reportPath,
                }).AsMemory(), cancellationToken);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The interpreter ended before it read the request: reported below with its exit code and last words.
            }
            var killed = await SuperviseAsync(process, cancellationToken);
            var tail = await stderr;
            await stdout;
            if (killed is not null)
            {
                throw new PublishingException(PublishingRefusal.Invalid, "file", $"{jobFile}:0: {killed}", jobFile, 0);
            }
            if (!File.Exists(reportPath))
            {
                throw new PublishingException(PublishingRefusal.Invalid, "file",
                    $"{jobFile}:0: the validation process ended with code {process.ExitCode} before it reported: {LastLine(tail)}", jobFile, 0);
            }
            return Read(await File.ReadAllTextAsync(reportPath, cancellationToken));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
            File.Delete(reportPath);
        }
    }

    /// <summary>Waits for the process, killing it past the time or memory limit; returns why it was killed, or null.</summary>
    private async Task<string?> SuperviseAsync(Process process, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            tick.CancelAfter(checkInterval);
            try
            {
                await process.WaitForExitAsync(tick.Token);
                return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A check period passed.
            }
            string? reason = null;
            if (Stopwatch.GetElapsedTime(started) > settings.ValidationTimeout)
            {
                reason = $"validation (importing the module and running its tests) took longer than {settings.ValidationTimeout} (Runtime:Publishing:ValidationTimeout) and was stopped";
            }
            else if (memoryLimitMb > 0)
            {
                process.Refresh();
                var mib = process.HasExited ? 0 : process.WorkingSet64 >> 20;
                if (mib > memoryLimitMb)
                {
                    reason = $"validation used {mib} MiB of memory, above the jobs' limit of {memoryLimitMb} MiB (Runtime:Workers:MemoryLimitMb), and was stopped";
                }
            }
            if (reason is not null)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return reason;
            }
        }
    }

    private static ValidationReport Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            var error = root.GetProperty("error");
            var file = error.GetProperty("file").GetString() ?? "";
            var line = error.GetProperty("line").GetInt32();
            var kind = error.GetProperty("kind").GetString();
            var message = error.GetProperty("message").GetString() ?? "";
            var what = kind switch
            {
                "schema" => "output schema: ",
                _ => "",
            };
            throw new PublishingException(PublishingRefusal.Invalid, kind == "schema" ? "outputs" : "file", $"{file}:{line}: {what}{message}", file, line)
            {
                Test = error.GetProperty("test").GetString() is { Length: > 0 } test ? test : null,
            };
        }
        var schema = root.GetProperty("schema");
        return new ValidationReport(root.GetProperty("version").GetString()!, JobDeclaration.Parse(root.GetProperty("declaration")),
            [.. root.GetProperty("modules").EnumerateArray().Select(m => m.GetString()!)], [.. root.GetProperty("tests").EnumerateArray().Select(t => t.GetString()!)],
            schema.GetProperty("rows").GetInt32(), schema.GetProperty("from").GetString() ?? "", schema.GetProperty("note").GetString() ?? "");
    }

    /// <summary>Reads a stream to its end keeping only its last few KiB (author code may print without bound).</summary>
    private static async Task<string> DrainAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > 2 * TailChars)
            {
                tail.Remove(0, tail.Length - TailChars);
            }
        }
        return tail.ToString();
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : "(no output)";
    }
}
