using System.Text.Json;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>The value types of parameters and output columns.</summary>
public enum ValueType
{
    /// <summary>Python int, .NET <see cref="long"/>.</summary>
    Int,

    /// <summary>Python float, .NET <see cref="double"/>.</summary>
    Float,

    /// <summary>Python bool, .NET <see cref="bool"/>.</summary>
    Bool,

    /// <summary>Python str, .NET <see cref="string"/>.</summary>
    Str,
}

/// <summary>A source whose events run the job.</summary>
/// <param name="Source">The source's name.</param>
/// <param name="Where">Event types the job is limited to (empty: all).</param>
public sealed record TriggerDefinition(string Source, IReadOnlyList<string> Where);

/// <summary>A parameter operators may change at run time.</summary>
/// <param name="Name">Identifier used in <c>ctx.params</c>.</param>
/// <param name="Type">Value type.</param>
/// <param name="Default">Default value (long, double, bool or string).</param>
/// <param name="Description">For operators.</param>
/// <param name="Min">Lower bound (numbers only), inclusive.</param>
/// <param name="Max">Upper bound (numbers only), inclusive.</param>
/// <param name="Choices">Allowed values (empty: any).</param>
public sealed record ParameterDefinition(string Name, ValueType Type, object Default, string Description, double? Min, double? Max,
    IReadOnlyList<object> Choices);

/// <summary>One column of the job's result rows.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Value type.</param>
/// <param name="Description">For consumers of the feature.</param>
/// <param name="Nullable">Whether the column may be null.</param>
public sealed record OutputDefinition(string Name, ValueType Type, string Description, bool Nullable);

/// <summary>Everything a job module declares, as validated by the SDK.</summary>
/// <param name="Name">The job's unique name.</param>
/// <param name="Description">The logic function's docstring.</param>
/// <param name="Triggers">Sources whose events run the job.</param>
/// <param name="Consistency">Default consistency of the trigger and of fetches.</param>
/// <param name="Parameters">Declared parameters.</param>
/// <param name="Outputs">Result row columns.</param>
/// <param name="File">The module's path.</param>
/// <param name="Line">Line of the <c>@job</c> declaration.</param>
/// <param name="Logic">Name of the logic function.</param>
/// <param name="LogicLine">Line where the logic function starts.</param>
public sealed record JobDeclaration(string Name, string Description, IReadOnlyList<TriggerDefinition> Triggers, Consistency Consistency,
    IReadOnlyList<ParameterDefinition> Parameters, IReadOnlyList<OutputDefinition> Outputs, string File, int Line, string Logic, int LogicLine)
{
    /// <summary>The schema result rows are converted with.</summary>
    public ResultSchema Schema { get; } = new(Outputs);

    /// <summary>Prefix of the implied request source: <c>calls.&lt;job&gt;</c>.</summary>
    public const string RequestSourcePrefix = "calls.";

    /// <summary>
    /// The source the job's calls are events of (<c>@job(requests=…)</c>; default <c>calls.&lt;job&gt;</c>): the job's
    /// own, never one of its triggers, so a call never changes the events other logic reads.
    /// </summary>
    public string RequestSource
    {
        get => field ?? RequestSourcePrefix + Name;
        init => field = value;
    }

    /// <summary>Prefix of the parameter that holds the version of a declared model: <c>model.&lt;name&gt;</c>.</summary>
    public const string ModelParameterPrefix = "model.";

    /// <summary>
    /// The trained models the logic uses (<c>@job(models=[…])</c>, read with <c>ctx.model</c>); each is bound through the
    /// string parameter <c>model.&lt;name&gt;</c> whose value is the model version in use. Empty when none.
    /// </summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>
    /// The output presets the job's rows go to (<c>@job(sinks=…)</c>: admin-defined sinks named by the author); empty:
    /// the outputs configured for the job.
    /// </summary>
    public IReadOnlyList<string> Sinks { get; init; } = [];

    /// <summary>Reads a declaration as the SDK writes it (<c>JobSpec.to_json</c>).</summary>
    public static JobDeclaration Parse(JsonElement e)
    {
        var parameters = e.GetProperty("params").EnumerateArray().Select(p =>
        {
            var type = ParseType(p.GetProperty("type").GetString());
            return new ParameterDefinition(p.GetProperty("name").GetString()!, type, ToValue(p.GetProperty("default"))!,
                p.GetProperty("description").GetString() ?? "", OptionalDouble(p.GetProperty("min")), OptionalDouble(p.GetProperty("max")),
                p.GetProperty("choices").EnumerateArray().Select(c => ToValue(c)!).ToList());
        }).ToList();
        var outputs = e.GetProperty("outputs").EnumerateArray().Select(o => new OutputDefinition(
            o.GetProperty("name").GetString()!, ParseType(o.GetProperty("type").GetString()), o.GetProperty("description").GetString() ?? "",
            o.GetProperty("nullable").GetBoolean())).ToList();
        var triggers = e.GetProperty("triggers").EnumerateArray().Select(t => new TriggerDefinition(
            t.GetProperty("source").GetString()!, t.GetProperty("where").EnumerateArray().Select(w => w.GetString()!).ToList())).ToList();
        return new JobDeclaration(e.GetProperty("name").GetString()!, e.GetProperty("description").GetString() ?? "", triggers,
            ConsistencyNames.Parse(e.GetProperty("consistency").GetString()), parameters, outputs, e.GetProperty("file").GetString()!,
            e.GetProperty("line").GetInt32(), e.GetProperty("logic").GetString()!, e.GetProperty("logic_line").GetInt32())
        {
            RequestSource = e.TryGetProperty("requests", out var requests) && requests.GetString() is { Length: > 0 } source
                ? source
                : RequestSourcePrefix + e.GetProperty("name").GetString(),
            Models = e.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array
                ? [.. models.EnumerateArray().Select(m => m.GetString()!)]
                : [],
            Sinks = e.TryGetProperty("sinks", out var sinks) ? [.. sinks.EnumerateArray().Select(s => s.GetString()!)] : [],
        };
    }

    internal static object? ToValue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetInt64(out var l) => l,
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };

    private static double? OptionalDouble(JsonElement v) => v.ValueKind == JsonValueKind.Null ? null : v.GetDouble();

    private static ValueType ParseType(string? name) => name switch
    {
        "int" => ValueType.Int,
        "float" => ValueType.Float,
        "bool" => ValueType.Bool,
        "str" => ValueType.Str,
        _ => throw new PythonHostException($"unknown value type '{name}' in a job declaration"),
    };
}
