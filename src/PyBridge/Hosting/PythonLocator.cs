using System.Diagnostics;
using System.Text.Json;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>The interpreter to embed: its executable and shared library.</summary>
/// <param name="Executable">The Python executable (program name given to the interpreter).</param>
/// <param name="Library">The libpython shared library to load (pythonnet's <c>Runtime.PythonDLL</c>).</param>
/// <param name="Version">The interpreter's version text.</param>
public sealed record PythonInstallation(string Executable, string Library, string Version)
{
    private const string Probe =
        "import sys,sysconfig,os,json;c=sysconfig.get_config_var;" +
        "print(json.dumps({'exe':sys.executable,'libdir':c('LIBDIR'),'soname':c('INSTSONAME'),'shared':c('Py_ENABLE_SHARED'),'version':sys.version}))";

    /// <summary>
    /// Finds the interpreter: explicit settings first, then the environment variables, then Debian's python3;
    /// the library is asked from the executable.
    /// </summary>
    public static async Task<PythonInstallation> LocateAsync(PythonHostOptions options, CancellationToken cancellationToken = default)
    {
        var executable = options.PythonExecutable ?? Environment.GetEnvironmentVariable(PythonHostOptions.ExecutableVariable)
            ?? PythonHostOptions.DefaultExecutable;
        var explicitLibrary = options.LibraryPath ?? Environment.GetEnvironmentVariable(PythonHostOptions.LibraryVariable);
        if (!File.Exists(executable))
        {
            throw new PythonHostException($"Python executable '{executable}' does not exist (set {nameof(PythonHostOptions.PythonExecutable)} or {PythonHostOptions.ExecutableVariable}).");
        }
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Probe);
        using var process = Process.Start(start) ?? throw new PythonHostException($"could not start '{executable}'");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new PythonHostException($"'{executable}' failed to describe itself: {await stderr.ConfigureAwait(false)}");
        }
        var description = await stdout.ConfigureAwait(false);
        using var doc = ParseDescription(executable, description);
        var root = doc.RootElement;
        var version = root.GetProperty("version").GetString() ?? "";
        if (explicitLibrary is not null)
        {
            return File.Exists(explicitLibrary)
                ? new PythonInstallation(executable, explicitLibrary, version)
                : throw new PythonHostException($"libpython '{explicitLibrary}' does not exist.");
        }
        var shared = root.GetProperty("shared");
        if (shared.ValueKind != JsonValueKind.Number || shared.GetInt32() != 1)
        {
            throw new PythonHostException($"'{executable}' was built without a shared libpython (Py_ENABLE_SHARED is not 1), so it " +
                $"cannot be embedded; use {PythonHostOptions.DefaultExecutable} or set {nameof(PythonHostOptions.LibraryPath)}.");
        }
        var library = Path.Combine(root.GetProperty("libdir").GetString() ?? "", root.GetProperty("soname").GetString() ?? "");
        return File.Exists(library)
            ? new PythonInstallation(executable, library, version)
            : throw new PythonHostException($"'{executable}' names libpython '{library}', which does not exist.");
    }

    private static JsonDocument ParseDescription(string executable, string description)
    {
        try
        {
            return JsonDocument.Parse(description);
        }
        catch (JsonException ex)
        {
            throw new PythonHostException($"'{executable}' is not a Python interpreter that can describe itself (it printed '{description.Trim()}').", ex);
        }
    }
}
