using System.Globalization;
using System.Text.Json;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.PyBridge.Tests.Interpreters;

/// <summary>
/// Child-process mode <c>embedded-python-probe &lt;python-executable&gt;</c>: embeds that interpreter, runs the example
/// job <c>order_stats_30d</c> on <see cref="LendingData"/> once single and once batched, and prints one
/// <see cref="ProbeReport"/> JSON line. Exit 0 on success; 1 with the error on stderr.
/// </summary>
public static class EmbeddedPythonProbe
{
    public const string Mode = "embedded-python-probe";

    /// <summary>The events the probe (and the comparison in the parent) sends to the job.</summary>
    public static IReadOnlyList<FeatureEvent> Events { get; } =
    [
        new("orders", "u1", LendingData.T, """{"amount": 30.0}"""),
        new("orders", "nobody", LendingData.T),
        new("orders", "u1", LendingData.T + (2 * LendingData.Day)),
        new("orders", "u1", LendingData.T - (15 * LendingData.Day)),
    ];

    public static string JobPath => Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs", "order_stats_30d.py");

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 1)
        {
            await Console.Error.WriteLineAsync($"usage: {Mode} <python-executable>");
            return 2;
        }
        try
        {
            await using var host = await PythonHost.StartAsync(new PythonHostOptions { PythonExecutable = args[0] });
            await using var job = await host.LoadJobAsync(JobPath, LendingData.Create());
            var single = new List<IReadOnlyList<ResultRow>>();
            foreach (var e in Events)
            {
                single.Add(await job.InvokeAsync(e));
            }
            var outcomes = await job.InvokeBatchAsync(Events);
            if (outcomes.FirstOrDefault(o => !o.Succeeded) is { } failed)
            {
                throw new InvalidOperationException($"batch event {failed.Event} failed", failed.Error);
            }
            var report = new ProbeReport(
                host.Installation.Executable,
                host.Installation.Library,
                await host.EvaluateAsync("__import__('sys').executable"),
                await host.EvaluateAsync("__import__('sys').version"),
                await host.EvaluateAsync("__import__('sys').prefix"),
                await host.EvaluateAsync("__import__('os').__file__"),
                await host.EvaluateAsync("__import__('_json').__file__"),
                MappedLibpython(),
                Describe(single),
                Describe(outcomes.Select(o => o.Rows).ToList()));
            Console.WriteLine(JsonSerializer.Serialize(report));
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"{Mode} {args[0]} failed: {ex}");
            return 1;
        }
    }

    /// <summary>Rows per event, each cell as <c>Type:value</c> (invariant, round-trip doubles) so types are compared too.</summary>
    public static List<List<Dictionary<string, string>>> Describe(IReadOnlyList<IReadOnlyList<ResultRow>> rowsPerEvent) =>
        rowsPerEvent.Select(rows => rows.Select(row => row.ToDictionary().ToDictionary(
            kv => kv.Key,
            kv => kv.Value is null ? "null" : $"{kv.Value.GetType().Name}:{Convert.ToString(kv.Value is double d ? d.ToString("R", CultureInfo.InvariantCulture) : kv.Value, CultureInfo.InvariantCulture)}",
            StringComparer.Ordinal)).ToList()).ToList();

    /// <summary>The libpython files mapped into this process (what the dynamic loader really loaded).</summary>
    private static List<string> MappedLibpython() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[^1]).StartsWith("libpython", StringComparison.Ordinal))
            .Select(fields => fields[^1])
            .Distinct(StringComparer.Ordinal)
            .ToList();
}

/// <summary>What <see cref="EmbeddedPythonProbe"/> prints.</summary>
/// <param name="Executable">The executable PythonLocator chose.</param>
/// <param name="Library">The libpython PythonLocator chose.</param>
/// <param name="SysExecutable">The embedded interpreter's <c>sys.executable</c>.</param>
/// <param name="Version">Its <c>sys.version</c>.</param>
/// <param name="Prefix">Its <c>sys.prefix</c>.</param>
/// <param name="Stdlib">Where its <c>os</c> module came from.</param>
/// <param name="JsonExtension">Where its C <c>_json</c> extension module (the host's JSON accelerator) came from.</param>
/// <param name="MappedLibpython">The libpython files mapped into the child (from <c>/proc/self/maps</c>).</param>
/// <param name="Single">Rows of each event, invoked one by one.</param>
/// <param name="Batch">Rows of each event, invoked as one batch.</param>
public sealed record ProbeReport(
    string Executable,
    string Library,
    string SysExecutable,
    string Version,
    string Prefix,
    string Stdlib,
    string JsonExtension,
    List<string> MappedLibpython,
    List<List<Dictionary<string, string>>> Single,
    List<List<Dictionary<string, string>>> Batch);
