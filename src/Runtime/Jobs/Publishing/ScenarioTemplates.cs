using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>What a scenario parameter holds (and how it is checked).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScenarioParameterKind>))]
public enum ScenarioParameterKind
{
    /// <summary>A source's name (letters, digits, <c>_</c>, <c>-</c>, <c>.</c>).</summary>
    Source,

    /// <summary>A field of the events' data (a Python identifier).</summary>
    Field,

    /// <summary>A whole number within the parameter's bounds.</summary>
    Int,
}

/// <summary>A parameter of a standard scenario.</summary>
/// <param name="Name">What the request names it.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Description">For authors.</param>
/// <param name="Default">The value when left out (null: required).</param>
/// <param name="Min">Smallest value (ints).</param>
/// <param name="Max">Largest value (ints).</param>
public sealed record ScenarioParameter(string Name, ScenarioParameterKind Kind, string Description, string? Default = null, long Min = 1, long Max = 3650);

/// <summary>
/// A standard scenario: a template job an author copies with parameters into a draft version of a job of their own
/// (published and validated like an upload). The module it renders declares its window or count as a job parameter
/// too, so operators can change it at run time like any other.
/// </summary>
/// <param name="Name">The scenario's name.</param>
/// <param name="Description">What the job computes.</param>
/// <param name="Parameters">What the author fills in (besides the job's name).</param>
/// <param name="Template">The module, with <c>{{parameter}}</c> placeholders (and <c>{{job}}</c>, <c>{{function}}</c>).</param>
public sealed record ScenarioTemplate(string Name, string Description, IReadOnlyList<ScenarioParameter> Parameters, string Template)
{
    /// <summary>
    /// The module for <paramref name="job"/> with <paramref name="values"/> (missing ones take their defaults); every
    /// value is checked, so nothing but a valid literal reaches the module.
    /// </summary>
    /// <exception cref="PublishingException">A value is missing or wrong, or an unknown parameter is given (names it).</exception>
    public string Render(string job, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!IsName(job))
        {
            throw Bad("job", $"'{job}' is no job name (letters, digits, '_', '-' or '.')");
        }
        if (values.Keys.FirstOrDefault(k => Parameters.All(p => p.Name != k)) is { } unknown)
        {
            throw Bad($"parameters.{unknown}", $"scenario '{Name}' has no parameter '{unknown}'; its parameters: {string.Join(", ", Parameters.Select(p => p.Name))}");
        }
        var text = new StringBuilder(Template)
            .Replace("{{job}}", Literal(job))
            .Replace("{{function}}", string.Concat(job.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')).TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') is { Length: > 0 } f ? f : "compute");
        foreach (var p in Parameters)
        {
            var value = values.GetValueOrDefault(p.Name) ?? p.Default ?? throw Bad($"parameters.{p.Name}", $"give '{p.Name}': {p.Description}");
            text.Replace("{{" + p.Name + "}}", p.Kind switch
            {
                ScenarioParameterKind.Source when IsName(value) => Literal(value),
                ScenarioParameterKind.Field when IsIdentifier(value) => Literal(value),
                ScenarioParameterKind.Int when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= p.Min && n <= p.Max =>
                    n.ToString(CultureInfo.InvariantCulture),
                _ => throw Bad($"parameters.{p.Name}", p.Kind switch
                {
                    ScenarioParameterKind.Source => $"'{value}' is no source name (letters, digits, '_', '-' or '.')",
                    ScenarioParameterKind.Field => $"'{value}' is no field name (letters, digits and '_', not starting with a digit)",
                    _ => $"'{value}' is not a whole number within {p.Min}..{p.Max}",
                }),
            });
        }
        return text.ToString();
    }

    private static bool IsName(string s) => s.Length is > 0 and <= 200 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static bool IsIdentifier(string s) => s.Length is > 0 and <= 200 && !char.IsAsciiDigit(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string Literal(string s) => "\"" + s + "\"";

    private static PublishingException Bad(string field, string message) => new(PublishingRefusal.BadRequest, field, $"'{field}': {message}");
}

/// <summary>The standard scenarios authors copy (<c>GET /api/registry/scenarios</c>).</summary>
public static class ScenarioTemplates
{
    /// <summary>Every scenario, by name.</summary>
    public static IReadOnlyList<ScenarioTemplate> All { get; } =
    [
        new("windowed_sum", "Count and sum of a numeric field per entity over a sliding window of days (e.g. orders and order amount per user in 30 days).",
            [
                new("source", ScenarioParameterKind.Source, "the source whose events trigger and are counted"),
                new("field", ScenarioParameterKind.Field, "the numeric field summed (missing or null counts as 0)"),
                new("window_days", ScenarioParameterKind.Int, "the window in days (a job parameter: operators may change it)", "30"),
            ],
            """
            from datetime import timedelta
            from featureplatform import Output, Param, job


            @job({{job}}, triggers={{source}},
                 params=[Param("window_days", int, default={{window_days}}, min=1, max=3650, description="Window in days.")],
                 outputs=[Output("key", str), Output("count", int, "Events in the window."), Output("sum", float, "Sum of the field in the window.")])
            def {{function}}(event, ctx):
                "Count and sum of a field per entity over the last window_days days (standard scenario windowed_sum)."
                changes = ctx.history({{source}}, event.key, since=timedelta(days=ctx.params["window_days"]), limit=100000)
                return {"key": event.key, "count": len(changes), "sum": sum(c.float({{field}}, 0.0) or 0.0 for c in changes)}
            """),
        new("last_n_values", "The last N values of a field per entity, newest last, as a JSON list (e.g. a user's last 5 order amounts).",
            [
                new("source", ScenarioParameterKind.Source, "the source whose events trigger and are read"),
                new("field", ScenarioParameterKind.Field, "the field whose values are kept"),
                new("n", ScenarioParameterKind.Int, "how many values (a job parameter)", "5", 1, 1000),
                new("lookback_days", ScenarioParameterKind.Int, "how far back values are looked for", "365"),
            ],
            """
            import json
            from datetime import timedelta
            from featureplatform import Output, Param, job


            @job({{job}}, triggers={{source}},
                 params=[Param("n", int, default={{n}}, min=1, max=1000, description="Values kept.")],
                 outputs=[Output("key", str), Output("values", str, "JSON list of the last values, newest last."), Output("count", int, "Values in the list.")])
            def {{function}}(event, ctx):
                "The last n values of a field per entity (standard scenario last_n_values)."
                changes = ctx.history({{source}}, event.key, since=timedelta(days={{lookback_days}}), limit=100000)
                values = [c.get({{field}}) for c in changes if c.get({{field}}) is not None][-ctx.params["n"]:]
                return {"key": event.key, "values": json.dumps(values), "count": len(values)}
            """),
        new("ratio_of_sources", "Events of one source per event of another for the same entity over a window (e.g. refunds per order); triggered by both.",
            [
                new("numerator", ScenarioParameterKind.Source, "the source counted above the line"),
                new("denominator", ScenarioParameterKind.Source, "the source counted below the line"),
                new("window_days", ScenarioParameterKind.Int, "the window in days (a job parameter)", "30"),
            ],
            """
            from datetime import timedelta
            from featureplatform import Output, Param, job


            @job({{job}}, triggers=[{{numerator}}, {{denominator}}],
                 params=[Param("window_days", int, default={{window_days}}, min=1, max=3650, description="Window in days.")],
                 outputs=[Output("key", str), Output("numerator", int), Output("denominator", int),
                          Output("ratio", float, "numerator / denominator; null when the denominator is 0.", nullable=True)])
            def {{function}}(event, ctx):
                "Events of one source per event of another over the window (standard scenario ratio_of_sources)."
                since = timedelta(days=ctx.params["window_days"])
                top = len(ctx.history({{numerator}}, event.key, since=since, limit=100000))
                bottom = len(ctx.history({{denominator}}, event.key, since=since, limit=100000))
                return {"key": event.key, "numerator": top, "denominator": bottom, "ratio": top / bottom if bottom else None}
            """),
    ];

    /// <summary>The scenario named <paramref name="name"/>, or null.</summary>
    public static ScenarioTemplate? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
