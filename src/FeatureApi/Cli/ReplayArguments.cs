using FeaturePlatform.Runtime.Runs;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Cli;

/// <summary>The arguments of <c>replay</c>.</summary>
/// <param name="Job">The job to run.</param>
/// <param name="Input">Time range or sample table.</param>
/// <param name="OutputDirectory">Result directory (run summary, backtest files), or null.</param>
/// <param name="JobsDirectory">Jobs directory overriding configuration, or null.</param>
/// <param name="FeatureStore">Also upsert the results into the feature store (a backfill).</param>
internal sealed record ReplayArguments(string Job, RunInput Input, string? OutputDirectory, string? JobsDirectory, bool FeatureStore)
{
    public const string Usage = """
        usage: replay --job <name> (--from <iso|ms> --to <iso|ms> | --sample <file.csv|file.jsonl>) [options]
          --out <dir>            result directory (run.json summary and the job's backtest files)
          --source <name>        trigger source (default: the job's first trigger)
          --jobs <dir>           jobs directory (default: Runtime:JobsDirectory, else the bundled examples)
          --feature-store        also upsert results into the feature store (backfill)
          --key-column <name>    sample key column (default: key)
          --time-column <name>   sample time column (default: time)
          --label-column <name>  sample label column (default: label)
        """;

    /// <summary>Parses <paramref name="args"/> (after the <c>replay</c> word).</summary>
    /// <exception cref="FormatException">With the reason, when the arguments are incomplete or malformed.</exception>
    public static ReplayArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var featureStore = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--feature-store")
            {
                featureStore = true;
                continue;
            }
            if (name is not ("--job" or "--from" or "--to" or "--sample" or "--out" or "--source" or "--jobs" or "--key-column" or "--time-column" or "--label-column"))
            {
                throw new FormatException($"unknown argument '{name}'");
            }
            if (i + 1 >= args.Count)
            {
                throw new FormatException($"{name} needs a value");
            }
            values[name] = args[++i];
        }
        var job = values.GetValueOrDefault("--job") ?? throw new FormatException("--job is required");
        RunInput input;
        if (values.TryGetValue("--sample", out var sample))
        {
            if (values.ContainsKey("--from") || values.ContainsKey("--to"))
            {
                throw new FormatException("give either --sample or --from/--to, not both");
            }
            var defaults = new SampleTableOptions();
            input = new SampleTableInput(sample)
            {
                Options = defaults with
                {
                    KeyColumn = values.GetValueOrDefault("--key-column") ?? defaults.KeyColumn,
                    TimeColumn = values.GetValueOrDefault("--time-column") ?? defaults.TimeColumn,
                    LabelColumn = values.GetValueOrDefault("--label-column") ?? defaults.LabelColumn,
                },
            };
        }
        else
        {
            var from = Time(values, "--from");
            var to = Time(values, "--to");
            if (from >= to)
            {
                throw new FormatException("--from must be before --to");
            }
            input = new TimeRangeInput(from, to);
        }
        input = input with { Source = values.GetValueOrDefault("--source") };
        return new ReplayArguments(job, input, values.GetValueOrDefault("--out"), values.GetValueOrDefault("--jobs"), featureStore);
    }

    private static long Time(Dictionary<string, string> values, string name)
    {
        var text = values.GetValueOrDefault(name) ?? throw new FormatException($"{name} is required (or give --sample)");
        return TimeText.TryParse(text, out var ms) ? ms : throw new FormatException($"{name} '{text}' is neither epoch milliseconds nor ISO-8601");
    }
}
