using System.Diagnostics;
using System.Globalization;

namespace FeaturePlatform.Benchmarks.Scenarios.Calls;

/// <summary>One run of Debian's <c>wrk</c> with a script whose <c>done()</c> prints "NAME value" lines; the parsed figures.</summary>
internal sealed record WrkRun(long Requests, double Seconds, long Non200, long Errors, double P50Ms, double P90Ms, double P99Ms, double MaxMs, string Output)
{
    public const string Executable = "/usr/bin/wrk";

    public double RequestsPerSecond => Requests / Seconds;

    public override string ToString() => FormattableString.Invariant(
        $"{Requests:#,0} requests in {Seconds:0.0} s = {RequestsPerSecond:#,0}/s, p50 {P50Ms:0.00} ms, p90 {P90Ms:0.00} ms, p99 {P99Ms:0.00} ms, max {MaxMs:0.0} ms, non-200 {Non200}, socket errors {Errors}");

    /// <summary>Runs wrk (<c>-t threads -c connections -d duration --latency -s script url -- args</c>) and parses its output.</summary>
    public static async Task<WrkRun> RunAsync(string url, string script, int threads, int connections, TimeSpan duration, IReadOnlyList<string> scriptArgs, CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException($"{Executable} is missing: run scripts/install-deps.sh (test profile installs Debian's wrk).");
        }
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)duration.TotalSeconds}s", "--timeout", "15s", "--latency", "-s", script, url, "--" }.Concat(scriptArgs))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}:\n{output}");
        }
        var values = output.Split('\n')
            .Select(l => l.Trim().Split(' '))
            .Where(p => p.Length == 2 && p[0].Length > 0 && char.IsAsciiLetterUpper(p[0][0]) && long.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        long Get(string name) => values.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"wrk's output has no {name} line:\n{output}");
        return new WrkRun(Get("REQUESTS"), Get("DURATION_US") / 1e6, Get("NON200"), Get("ERRORS"),
            Get("P50_US") / 1000.0, Get("P90_US") / 1000.0, Get("P99_US") / 1000.0, Get("MAX_US") / 1000.0, output);
    }
}
