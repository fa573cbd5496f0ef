using System.Globalization;
using System.Text.Json;
using FeaturePlatform.PyBridge.Jobs;
using ValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>Checks proposed values against their declarations: known name, type, bounds, choices.</summary>
internal static class ParameterValidator
{
    /// <summary>The typed values, or the errors by parameter name (empty when valid).</summary>
    public static (Dictionary<string, object> Values, Dictionary<string, string[]> Errors) Validate(
        IReadOnlyList<ParameterDefinition> definitions, IReadOnlyDictionary<string, JsonElement> proposed)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, element) in proposed)
        {
            var definition = definitions.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
            if (definition is null)
            {
                var declared = definitions.Count == 0 ? "none" : string.Join(", ", definitions.Select(d => d.Name));
                errors[name] = [$"'{name}' is not a parameter of this job; declared: {declared}."];
                continue;
            }
            var (value, error) = Check(definition, element);
            if (error is not null)
            {
                errors[name] = [error];
            }
            else
            {
                values[name] = value!;
            }
        }
        return (values, errors);
    }

    private static (object? Value, string? Error) Check(ParameterDefinition d, JsonElement e)
    {
        object value;
        switch (d.Type)
        {
            case ValueType.Int when e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l):
                value = l;
                break;
            case ValueType.Float when e.ValueKind == JsonValueKind.Number:
                value = e.GetDouble();
                break;
            case ValueType.Bool when e.ValueKind is JsonValueKind.True or JsonValueKind.False:
                value = e.GetBoolean();
                break;
            case ValueType.Str when e.ValueKind == JsonValueKind.String:
                value = e.GetString()!;
                break;
            default:
                return (null, $"'{d.Name}' must be {TypeName(d.Type)}; got {Show(e)}.");
        }
        if (value is long or double)
        {
            var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (d.Min is { } min && number < min)
            {
                return (null, $"'{d.Name}' = {Show(e)} is below its minimum {min.ToString(CultureInfo.InvariantCulture)}.");
            }
            if (d.Max is { } max && number > max)
            {
                return (null, $"'{d.Name}' = {Show(e)} is above its maximum {max.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
        if (d.Choices.Count > 0 && !d.Choices.Any(c => SameValue(c, value)))
        {
            return (null, $"'{d.Name}' = {Show(e)} is not one of its choices: {string.Join(", ", d.Choices.Select(c => JsonSerializer.Serialize(c)))}.");
        }
        return (value, null);
    }

    private static bool SameValue(object choice, object value) => (choice, value) switch
    {
        (long or double or int, long or double) => Convert.ToDouble(choice, CultureInfo.InvariantCulture) == Convert.ToDouble(value, CultureInfo.InvariantCulture),
        _ => Equals(choice, value),
    };

    private static string TypeName(ValueType type) => type switch
    {
        ValueType.Int => "an integer",
        ValueType.Float => "a number",
        ValueType.Bool => "true or false",
        _ => "a string",
    };

    private static string Show(JsonElement e)
    {
        var raw = e.GetRawText();
        return raw.Length > 80 ? raw[..80] + "…" : raw;
    }
}
