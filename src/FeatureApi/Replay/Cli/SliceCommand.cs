using System.CommandLine;
using FeaturePlatform.Runtime.Slices;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>
/// <c>replay slice --source &lt;name&gt; --as-of &lt;t&gt; [--out &lt;dir&gt;]</c>: a slice of the source as of T (the
/// API's <see cref="SliceService"/>) from the command line: the state of every entity, written as <c>slice.parquet</c>
/// and <c>slice.csv</c> (copied into <c>--out</c> when given). Exit code 0 when it completed, 1 when it failed, 2 for
/// bad arguments, 130 when interrupted.
/// </summary>
internal static class SliceCommand
{
    private static readonly Option<string> SourceOption = new("--source") { Description = "the source to slice", Required = true };
    private static readonly Option<string> AsOfOption = new("--as-of") { Description = "T: ISO-8601 or epoch ms (inclusive)", Required = true };
    private static readonly Option<string> OutOption = new("--out") { Description = "directory to copy slice.parquet, slice.csv and slice.json into" };
    private static readonly Command Definition = new("slice", "The state of every entity of a source as of T, as Parquet and CSV.") { SourceOption, AsOfOption, OutOption };

    /// <summary>Runs the command; <paramref name="args"/> follow the words <c>replay slice</c>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = Definition.Parse(args);
        var asOfText = parsed.GetValue(AsOfOption);
        long asOf = 0;
        var timeProblem = asOfText is null ? null : TimeText.Problem("--as-of", asOfText, out asOf);
        if (parsed.Errors.Count > 0 || asOfText is null || timeProblem is not null)
        {
            var reason = parsed.Errors.Count > 0 ? string.Join("; ", parsed.Errors.Select(e => e.Message)) : timeProblem;
            await error.WriteLineAsync($"replay slice: {reason}\nusage: replay slice --source <name> --as-of <iso|ms> [--out <dir>]");
            return 2;
        }
        var source = parsed.GetValue(SourceOption)!;
        var target = parsed.GetValue(OutOption);
        return await CliHost.RunAsync("replay slice", null, error, (runtime, interrupt) => RunAsync(runtime.Slices, source, asOf, target, output, error, interrupt));
    }

    /// <summary>Takes the slice, waits for it, prints the outcome; returns the exit code.</summary>
    internal static async Task<int> RunAsync(SliceService slices, string source, long asOf, string? target, TextWriter output, TextWriter error, CancellationToken interrupt)
    {
        var id = slices.Start(source, asOf, $"cli:{Environment.UserName}");
        await output.WriteLineAsync($"slice {id}: source {source} as of {asOf}");
        SliceRecord record;
        try
        {
            record = (await slices.WaitAsync(id, interrupt))!;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            await error.WriteLineAsync($"slice {id} interrupted");
            return 130;
        }
        if (record.State != "Completed")
        {
            await error.WriteLineAsync($"slice {id} {record.State.ToLowerInvariant()}: {record.FailureReason}");
            return 1;
        }
        var directory = Path.GetDirectoryName(slices.FileOf(id, SliceService.ParquetFile))!;
        if (target is not null)
        {
            Directory.CreateDirectory(target);
            foreach (var file in new[] { SliceService.ParquetFile, SliceService.CsvFile, SliceService.RecordFile })
            {
                File.Copy(Path.Combine(directory, file), Path.Combine(target, file), overwrite: true);
            }
            directory = Path.GetFullPath(target);
        }
        var watermark = record.Complete ? "the watermark had passed T" : $"the watermark ({record.Watermark?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}) had not passed T: on-time events may still arrive";
        await output.WriteLineAsync($"slice {id} completed: {record.Entities} entities from {record.EventsScanned} events; {watermark}; files in {directory}");
        return 0;
    }
}
