using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>
/// <c>replay --job &lt;name&gt; --from &lt;t&gt; --to &lt;t&gt; | --sample &lt;file&gt; [--out &lt;dir&gt;]</c> (and <c>replay parity …</c>, <see cref="ParityCommand"/>): builds the platform from
/// configuration without the web server, runs the replay through the run manager and draws a progress bar. Exit
/// code 0 when the run completed, 1 when it failed, 2 for bad arguments, 130 when interrupted (Ctrl+C).
/// </summary>
internal static class ReplayCommand
{
    /// <summary>Runs the command; <paramref name="args"/> follow the word <c>replay</c>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["parity", .. var rest])
        {
            return await ParityCommand.RunAsync(rest, output, error);
        }
        if (args is ["slice", .. var sliceArgs])
        {
            return await SliceCommand.RunAsync(sliceArgs, output, error);
        }
        ReplayArguments arguments;
        try
        {
            arguments = ReplayArguments.Parse(args);
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync($"replay: {e.Message}\n{ReplayArguments.Usage}");
            return 2;
        }
        return await CliHost.RunAsync("replay", arguments.JobsDirectory, error, (runtime, interrupt) => RunAsync(runtime, arguments, output, error, interrupt));
    }

    /// <summary>Starts the run, draws its progress until it ends, prints the outcome; returns the exit code.</summary>
    internal static async Task<int> RunAsync(ReplayServices runtime, ReplayArguments arguments, TextWriter output, TextWriter error, CancellationToken interrupt)
    {
        // A backfill goes through the runtime's backfills (newest event time wins, recorded with its lineage); a replay
        // writes the backtest files (CSV, JSON lines, Parquet) into --out.
        var runs = arguments.FeatureStore ? runtime.Backfills.Runs : runtime.Runs;
        var id = arguments.FeatureStore && arguments.Input is TimeRangeInput range
            ? await runtime.Backfills.StartAsync(new Runtime.Backfill.BackfillRequest
            {
                Job = arguments.Job, From = range.From, To = range.To, Source = range.Source, Sinks = arguments.Sinks ?? [], Parameters = arguments.Parameters,
                RequestedBy = $"cli:{Environment.UserName}",
            }, interrupt)
            : await runtime.Runs.StartAsync(new RunRequest
            {
                Job = arguments.Job,
                Input = arguments.Input,
                ResultDirectory = arguments.OutputDirectory,
                Outputs = arguments.OutputDirectory is null ? null : BacktestOutputs.Files(includeLabel: arguments.Input is SampleTableInput),
                Parameters = arguments.Parameters,
                RequestedBy = $"cli:{Environment.UserName}",
            }, interrupt);
        await output.WriteLineAsync($"run {id}: job {arguments.Job}");
        var redirected = Console.IsOutputRedirected;
        long? lastLine = null; // Stopwatch timestamp of the last progress line written to a file or pipe
        var drawn = 0;
        RunStatus status;
        while (true)
        {
            status = runs.Get(id)!;
            if (status.IsFinished)
            {
                break;
            }
            if (interrupt.IsCancellationRequested)
            {
                status = (await runs.CancelAsync(id))!;
                break;
            }
            // On a terminal the bar redraws in place; into a file or pipe a line every few seconds.
            if (!redirected)
            {
                var line = ProgressBar.Render(status);
                await output.WriteAsync("\r" + line.PadRight(drawn));
                drawn = line.Length;
            }
            else if (lastLine is not { } last || System.Diagnostics.Stopwatch.GetElapsedTime(last) > TimeSpan.FromSeconds(5))
            {
                await output.WriteLineAsync(ProgressBar.Render(status));
                lastLine = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            try
            {
                await runs.WaitAsync(id, CancellationToken.None).WaitAsync(TimeSpan.FromMilliseconds(200), interrupt);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
            {
            }
        }
        await output.WriteLineAsync((redirected ? "" : "\r") + ProgressBar.Render(status).PadRight(drawn));
        var where = status.ResultDirectory is { } dir
            ? $"; results in {dir} ({string.Join(", ", Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal) : [])})"
            : "";
        foreach (var bad in status.BadRowSamples.Take(10))
        {
            await error.WriteLineAsync($"bad row at line {bad.Line}: {bad.Reason}");
        }
        await output.WriteLineAsync($"versions: {string.Join(", ", status.Versions.Select(v => $"{v.Key} ({v.Value} events)"))}");
        foreach (var segment in status.Parameters?.Segments ?? [])
        {
            var from = segment.From is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "start";
            await output.WriteLineAsync($"parameters from {from}: {System.Text.Json.JsonSerializer.Serialize(segment.Values)} ({segment.Events} events)");
        }
        if (arguments.FeatureStore && runtime.Backfills.Get(id) is { } backfill)
        {
            await output.WriteLineAsync($"backfill: {backfill.Backfill.Written} rows written, {backfill.Backfill.SkippedNewer} skipped (a newer value was stored); record in {status.ResultDirectory}");
        }
        switch (status.State)
        {
            case RunState.Completed:
                await output.WriteLineAsync($"run {id} completed: {status.Progress.EventsDone} events, {status.Progress.Results} results, {status.Progress.Errors} errors{where}");
                return 0;
            case RunState.Cancelled:
                await error.WriteLineAsync($"run {id} cancelled after {status.Progress.EventsDone} events{where}");
                return 130;
            default:
                await error.WriteLineAsync($"run {id} failed: {status.FailureReason}{where}");
                return 1;
        }
    }
}
