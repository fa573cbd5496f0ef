using System.CommandLine;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>The arguments of <c>replay parity</c>, parsed by System.CommandLine.</summary>
/// <param name="Job">The job to check.</param>
/// <param name="From">Start of the range (ms, inclusive).</param>
/// <param name="To">End of the range (ms, exclusive).</param>
/// <param name="Correct">Also rewrite the outputs that differ (a correction run).</param>
/// <param name="JobsDirectory">Jobs directory overriding configuration, or null.</param>
/// <param name="Limit">Differences printed (the counts cover all).</param>
internal sealed record ParityArguments(string Job, long From, long To, bool Correct, string? JobsDirectory, int Limit)
{
    private static readonly Option<string> JobOption = new("--job") { Description = "the job to check", Required = true };
    private static readonly Option<string> FromOption = new("--from") { Description = "start of the range (ISO-8601 or epoch ms)", Required = true };
    private static readonly Option<string> ToOption = new("--to") { Description = "end of the range, exclusive (ISO-8601 or epoch ms)", Required = true };
    private static readonly Option<bool> CorrectOption = new("--correct") { Description = "also rewrite the outputs that differ (a correction run)" };
    private static readonly Option<string> JobsOption = new("--jobs") { Description = "jobs directory (default: Runtime:JobsDirectory, else the bundled examples)" };
    private static readonly Option<int> LimitOption = new("--limit") { Description = "differences printed (default 20)", DefaultValueFactory = _ => 20 };

    /// <summary>The command's definition (options and help text).</summary>
    public static Command Command { get; } = new("parity", "Replays a job over a range and compares with what live produced, explaining each difference.")
    {
        JobOption, FromOption, ToOption, CorrectOption, JobsOption, LimitOption,
    };

    public const string Usage = """
        usage: replay parity --job <name> --from <iso|ms> --to <iso|ms> [options]
          --correct              also rewrite the outputs that differ (a correction run)
          --jobs <dir>           jobs directory (default: Runtime:JobsDirectory, else the bundled examples)
          --limit <n>            differences printed (default 20; the counts cover all)
        exit code: 0 parity holds, 3 rows differ, 1 the check failed, 2 bad arguments, 130 interrupted
        """;

    /// <summary>Parses <paramref name="args"/> (after the words <c>replay parity</c>).</summary>
    /// <exception cref="FormatException">With the reason, when the arguments are incomplete or malformed.</exception>
    public static ParityArguments Parse(IReadOnlyList<string> args)
    {
        var result = Command.Parse(args);
        if (result.Errors.Count > 0)
        {
            throw new FormatException(string.Join("; ", result.Errors.Select(e => e.Message)));
        }
        var from = Time(result.GetValue(FromOption)!, "--from");
        var to = Time(result.GetValue(ToOption)!, "--to");
        if (from >= to)
        {
            throw new FormatException("--from must be before --to");
        }
        var limit = result.GetValue(LimitOption);
        if (limit < 0)
        {
            throw new FormatException("--limit must not be negative");
        }
        return new ParityArguments(result.GetValue(JobOption)!, from, to, result.GetValue(CorrectOption), result.GetValue(JobsOption), limit);
    }

    private static long Time(string text, string name) => TimeText.Parse(text, name);
}
