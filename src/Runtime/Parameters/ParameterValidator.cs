using System.Globalization;
using System.Text.Json;
using FeaturePlatform.PyBridge.Jobs;
using ValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>Checks and normalises parameter values against a job's <see cref="ParameterDefinition"/>s.</summary>
public static class ParameterValidator
{
    /// <summary>
    /// The values converted to their declared .NET types (long, double, bool, string); accepts JSON elements.
    /// </summary>
    /// <exception cref="ParameterValidationException">Unknown names, wrong types, values out of bounds or not among the choices.</exception>
    public static IReadOnlyDictionary<string, object?> Normalise(JobDeclaration job, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<string>();
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, raw) in values)
        {
            var definition = job.Parameters.FirstOrDefault(p => p.Name == name);
            if (definition is null)
            {
                problems.Add($"'{name}' is not a parameter of the job (declared: {string.Join(", ", job.Parameters.Select(p => p.Name))})");
                continue;
            }
            var value = Convert(definition.Type, raw);
            if (value is null)
            {
                problems.Add($"'{name}' must be {Describe(definition.Type)}, not {Show(raw)}");
                continue;
            }
            if (value is long or double)
            {
                var number = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (definition.Min is { } min && number < min)
                {
                    problems.Add($"'{name}' = {Show(value)} is below its minimum {min.ToString(CultureInfo.InvariantCulture)}");
                    continue;
                }
                if (definition.Max is { } max && number > max)
                {
                    problems.Add($"'{name}' = {Show(value)} is above its maximum {max.ToString(CultureInfo.InvariantCulture)}");
                    continue;
                }
            }
            if (definition.Choices.Count > 0 && !definition.Choices.Any(c => Equals(Convert(definition.Type, c), value)))
            {
                problems.Add($"'{name}' = {Show(value)} is not one of {string.Join(", ", definition.Choices.Select(Show))}");
                continue;
            }
            result[name] = value;
        }
        if (problems.Count > 0)
        {
            throw new ParameterValidationException(job.Name, problems);
        }
        return result;
    }

    private static object? Convert(ValueType type, object? raw)
    {
        if (raw is JsonElement element)
        {
            raw = element.ValueKind switch
            {
                JsonValueKind.Number when element.TryGetInt64(out var l) => l,
                JsonValueKind.Number => element.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => element.GetString(),
                _ => null,
            };
        }
        return (type, raw) switch
        {
            (ValueType.Int, long or int or short or byte) => System.Convert.ToInt64(raw, CultureInfo.InvariantCulture),
            (ValueType.Int, double d) when Math.Floor(d) == d && Math.Abs(d) < 9e15 => (long)d,
            (ValueType.Float, long or int or double or float or decimal) => System.Convert.ToDouble(raw, CultureInfo.InvariantCulture),
            (ValueType.Bool, bool b) => b,
            (ValueType.Str, string s) => s,
            _ => null,
        };
    }

    private static string Describe(ValueType type) => type switch
    {
        ValueType.Int => "an integer",
        ValueType.Float => "a number",
        ValueType.Bool => "true or false",
        _ => "a string",
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        JsonElement e => e.GetRawText(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
