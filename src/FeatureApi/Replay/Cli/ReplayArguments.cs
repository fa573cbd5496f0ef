using System.CommandLine;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>The arguments of <c>replay</c>, parsed by System.CommandLine.</summary>
/// <param name="Job">The job to run.</param>
/// <param name="Input">Time range or sample table.</param>
/// <param name="OutputDirectory">Result directory (run summary, backtest files), or null.</param>
/// <param name="JobsDirectory">Jobs directory overriding configuration, or null.</param>
/// <param name="FeatureStore">Also upsert the results into the feature store (a backfill).</param>
/// <param name="Parameters">What-if parameter values (<c>--param name=value</c>), or null: the values in force at each event's time.</param>
/// <param name="Sinks">Output presets a backfill also writes (<c>--sink</c>), or null: none.</param>
internal sealed record ReplayArguments(string Job, RunInput Input, string? OutputDirectory, string? JobsDirectory, bool FeatureStore,
    IReadOnlyDictionary<string, object?>? Parameters = null, IReadOnlyList<string>? Sinks = null)
{
    private static readonly Option<string> JobOption = new("--job") { Description = "the job to run", Required = true };
    private static readonly Option<string> FromOption = new("--from") { Description = "start of the time range (ISO-8601 or epoch ms)" };
    private static readonly Option<string> ToOption = new("--to") { Description = "end of the time range, exclusive (ISO-8601 or epoch ms)" };
    private static readonly Option<string> SampleOption = new("--sample") { Description = "sample table (.csv or .jsonl) instead of a time range" };
    private static readonly Option<string> OutOption = new("--out") { Description = "result directory (run.json summary and the job's backtest files)" };
    private static readonly Option<string> SourceOption = new("--source") { Description = "one of the job's trigger sources (default: all of them, merged; a sample uses the first)" };
    private static readonly Option<string> JobsOption = new("--jobs") { Description = "jobs directory (default: Runtime:JobsDirectory, else the bundled examples)" };
    private static readonly Option<bool> FeatureStoreOption = new("--feature-store") { Description = "a backfill: write results into the feature store, newest event time wins (docs/offline.md)" };
    private static readonly Option<string[]> SinkOption = new("--sink") { Description = "with --feature-store: an output preset also written (repeatable)", AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string> KeyColumnOption = new("--key-column") { Description = "sample key column (default: key)" };
    private static readonly Option<string> TimeColumnOption = new("--time-column") { Description = "sample time column (default: time)" };
    private static readonly Option<string> LabelColumnOption = new("--label-column") { Description = "sample label column (default: label)" };
    private static readonly Option<string[]> ParamOption = new("--param")
    {
        Description = "what-if parameter value name=value (repeatable; the value as JSON, else text); default: the values in force at each event's time",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string[]> ModelOption = new("--model")
    {
        Description = "pin a model version for the whole run: name=version (repeatable; the version from GET /api/models/<name>/versions); default: the approved version in force at each event's time",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The command's definition (options and help text).</summary>
    public static Command Command { get; } = new("replay", "Replays a job over stored events of a time range or over a sample table.")
    {
        JobOption, FromOption, ToOption, SampleOption, OutOption, SourceOption, JobsOption, FeatureStoreOption, SinkOption, KeyColumnOption, TimeColumnOption, LabelColumnOption,
        ParamOption, ModelOption,
    };

    public const string Usage = """
        usage: replay --job <name> (--from <iso|ms> --to <iso|ms> | --sample <file.csv|file.jsonl>) [options]
          --out <dir>            result directory (run.json summary and the job's backtest files)
          --source <name>        one of the job's trigger sources (default: all of them, merged
                                 in event-time order; a sample table uses the first)
          --jobs <dir>           jobs directory (default: Runtime:JobsDirectory, else the bundled examples)
          --out <dir>            (with a replay) also results.csv, results.jsonl and results.parquet
          --feature-store        a backfill: write the results into the feature store, newest event time
                                 wins (a newer stored value is kept); recorded under <data>/backfills
          --sink <preset>        with --feature-store: an output preset also written, repeatable
          --key-column <name>    sample key column (default: key)
          --time-column <name>   sample time column (default: time)
          --label-column <name>  sample label column (default: label)
          --param <name=value>   what-if parameter value, repeatable (default: the values in force at each event's time)
          --model <name=version> pin a model version, repeatable (default: the approved version in force at each event's time)
        """;

    /// <summary>Parses <paramref name="args"/> (after the <c>replay</c> word).</summary>
    /// <exception cref="FormatException">With the reason, when the arguments are incomplete or malformed.</exception>
    public static ReplayArguments Parse(IReadOnlyList<string> args)
    {
        var result = Command.Parse(args);
        if (result.Errors.Count > 0)
        {
            throw new FormatException(string.Join("; ", result.Errors.Select(e => e.Message)));
        }
        var job = result.GetValue(JobOption)!;
        RunInput input;
        if (result.GetValue(SampleOption) is { } sample)
        {
            if (result.GetValue(FromOption) is not null || result.GetValue(ToOption) is not null)
            {
                throw new FormatException("give either --sample or --from/--to, not both");
            }
            var defaults = new SampleTableOptions();
            input = new SampleTableInput(sample)
            {
                Options = defaults with
                {
                    KeyColumn = result.GetValue(KeyColumnOption) ?? defaults.KeyColumn,
                    TimeColumn = result.GetValue(TimeColumnOption) ?? defaults.TimeColumn,
                    LabelColumn = result.GetValue(LabelColumnOption) ?? defaults.LabelColumn,
                },
            };
        }
        else
        {
            var from = Time(result.GetValue(FromOption), "--from");
            var to = Time(result.GetValue(ToOption), "--to");
            if (from >= to)
            {
                throw new FormatException("--from must be before --to");
            }
            input = new TimeRangeInput(from, to);
        }
        input = input with { Source = result.GetValue(SourceOption) };
        var backfill = result.GetValue(FeatureStoreOption);
        var sinks = result.GetValue(SinkOption);
        if (backfill && input is not TimeRangeInput)
        {
            throw new FormatException("--feature-store (a backfill) replays a time range: give --from/--to, not --sample");
        }
        if (backfill && result.GetValue(OutOption) is not null)
        {
            throw new FormatException("--feature-store (a backfill) records its run under <data>/backfills: leave --out out");
        }
        if (!backfill && sinks is { Length: > 0 })
        {
            throw new FormatException("--sink needs --feature-store (sinks are written by a backfill)");
        }
        return new ReplayArguments(job, input, result.GetValue(OutOption), result.GetValue(JobsOption), backfill,
            WithModels(ParseParameters(result.GetValue(ParamOption)), result.GetValue(ModelOption)), sinks);
    }

    /// <summary>The what-if values with each <c>--model name=version</c> as the binding parameter <c>model.&lt;name&gt;</c>.</summary>
    private static Dictionary<string, object?>? WithModels(Dictionary<string, object?>? parameters, string[]? pins)
    {
        if (pins is not { Length: > 0 })
        {
            return parameters;
        }
        var values = parameters ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pin in pins)
        {
            var eq = pin.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? pin[..eq].Trim() : "";
            var version = eq > 0 ? pin[(eq + 1)..].Trim() : "";
            if (Runtime.Models.ModelRegistry.CheckName(name) is not null || !Runtime.Models.ModelRegistry.IsVersion(version))
            {
                throw new FormatException($"--model '{pin}' must be name=version (a model name and its 64-hex-digit version)");
            }
            values[Runtime.Models.ModelBindings.ParameterOf(name)] = version;
        }
        return values;
    }

    /// <summary><c>name=value</c> pairs: the value as JSON (42, 0.5, true, "x") when it parses, else as text.</summary>
    private static Dictionary<string, object?>? ParseParameters(string[]? pairs)
    {
        if (pairs is not { Length: > 0 })
        {
            return null;
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"--param '{pair}' must be name=value");
            }
            var text = pair[(eq + 1)..];
            object? value;
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(text);
                value = document.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
                value = text;
            }
            values[pair[..eq].Trim()] = value;
        }
        return values;
    }

    private static long Time(string? text, string name)
    {
        if (text is null)
        {
            throw new FormatException($"{name} is required (or give --sample)");
        }
        return TimeText.Parse(text, name);
    }
}
