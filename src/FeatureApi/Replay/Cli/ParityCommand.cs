using FeaturePlatform.Runtime.Parity;
using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>
/// <c>replay parity --job &lt;name&gt; --from &lt;t&gt; --to &lt;t&gt; [--correct]</c>: the parity check of the API
/// (<see cref="ParityService"/>) from the command line, on the platform built from configuration without the web
/// server. Prints the counts and the differences with their causes. Exit code 0 when parity holds, 3 when rows differ,
/// 1 when the check failed, 2 for bad arguments, 130 when interrupted.
/// </summary>
internal static class ParityCommand
{
    /// <summary>Exit code when rows differ.</summary>
    public const int Differ = 3;

    /// <summary>Runs the command; <paramref name="args"/> follow the words <c>replay parity</c>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ParityArguments arguments;
        try
        {
            arguments = ParityArguments.Parse(args);
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync($"replay parity: {e.Message}\n{ParityArguments.Usage}");
            return 2;
        }
        return await CliHost.RunAsync("replay parity", arguments.JobsDirectory, error, (runtime, interrupt) => RunAsync(runtime.Parity, arguments, output, error, interrupt));
    }

    /// <summary>Runs the check, prints its report; returns the exit code.</summary>
    internal static async Task<int> RunAsync(ParityService parity, ParityArguments arguments, TextWriter output, TextWriter error, CancellationToken interrupt)
    {
        var id = await parity.StartAsync(new ParityRequest(arguments.Job, arguments.From, arguments.To, arguments.Correct) { RequestedBy = $"cli:{Environment.UserName}" }, interrupt);
        await output.WriteLineAsync($"parity {(arguments.Correct ? "correction" : "check")} {id}: job {arguments.Job} over [{arguments.From}, {arguments.To})");
        var status = (await parity.WaitAsync(id, interrupt))!;
        var c = status.Counts;
        await output.WriteLineAsync($"{c.Computations} events: {c.Equal} rows equal, {c.Differing} differing, {c.LiveMissing} live missing, {c.ReplayMissing} replay missing"
            + (status.Correct ? $", {c.Corrected} corrected" : ""));
        if (c.ByCause.Count > 0)
        {
            await output.WriteLineAsync("by cause: " + string.Join(", ", c.ByCause.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
        }
        foreach (var d in status.Differences.Take(arguments.Limit))
        {
            await output.WriteLineAsync($"  {d.Source}/{d.EventId} key {d.Key} row {d.RowIndex} {d.Outcome} [{d.Cause}]: live {d.Live?.GetRawText() ?? "-"} replay {d.Replay?.GetRawText() ?? "-"}");
            await output.WriteLineAsync($"      {d.Detail}");
        }
        var listed = Math.Min(arguments.Limit, status.Differences.Count);
        var total = c.Differing + c.LiveMissing + c.ReplayMissing;
        if (total > listed)
        {
            await output.WriteLineAsync($"  … {total - listed} more");
        }
        if (status.State != RunState.Completed)
        {
            await error.WriteLineAsync($"parity {id} {status.State.ToString().ToLowerInvariant()}: {status.FailureReason}");
            return status.State == RunState.Cancelled ? 130 : 1;
        }
        var holds = total == 0 || (status.Correct && c.ReplayMissing == 0 && c.Corrected == c.Differing + c.LiveMissing);
        return holds ? 0 : Differ;
    }
}
