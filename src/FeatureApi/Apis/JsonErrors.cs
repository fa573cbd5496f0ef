using System.Text.Json;
using System.Text.RegularExpressions;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Turns System.Text.Json's and the binder's messages (which name .NET types) into messages for clients: the field or
/// parameter, what is wrong, and the fix. No type names, no stack traces.
/// </summary>
internal static partial class JsonErrors
{
    /// <summary>The field a JSON error is about (e.g. <c>from</c>, <c>keys[2]</c>), or null when it is about the whole body.</summary>
    public static string? Field(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null
            : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        // The messages name the member only; the path says where it sits (reply.exchange, not exchange).
        if (MissingRequired().Match(e.Message) is { Success: true } missing)
        {
            return Within(path, missing.Groups[1].Value); // the path is the object that lacks it
        }
        if (Unmapped().Match(e.Message) is { Success: true } unmapped)
        {
            return Within(path, unmapped.Groups[1].Value);
        }
        if (NullNotAllowed().Match(e.Message) is { Success: true } nulls)
        {
            // The message has the .NET name (Exchange); the path has the JSON one.
            return path ?? JsonNamingPolicy.CamelCase.ConvertName(nulls.Groups[1].Value);
        }
        return path;
    }

    /// <summary><paramref name="name"/> inside the object at <paramref name="path"/> (which may already end with it).</summary>
    private static string Within(string? path, string name) =>
        path is null || path == name ? name
        : path.EndsWith("." + name, StringComparison.Ordinal) || path.EndsWith("['" + name + "']", StringComparison.Ordinal) ? path
        : path + "." + name;

    /// <summary>A client message for a JSON body that did not read as <paramref name="target"/> (whose fields it lists).</summary>
    public static string Describe(JsonException e, Type? target = null, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var fields = target is null ? null : FieldsOf(target, options ?? JsonSerializerOptions.Web);
        var where = e.LineNumber is { } line ? $" (line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1})" : "";
        var field = Field(e);
        if (MissingRequired().IsMatch(e.Message))
        {
            return $"{field}: required; add it to the JSON body.";
        }
        if (Unmapped().IsMatch(e.Message))
        {
            if (field is not null && field.LastIndexOf('.') is > 0 and var dot)
            {
                var parent = field[..dot];
                var members = target is null ? null : NestedFieldsOf(target, options ?? JsonSerializerOptions.Web, parent);
                return $"{field}: not a field of {parent}; remove it" + (string.IsNullOrEmpty(members) ? "." : $" (its fields are {members}).");
            }
            return $"{field}: not a field of this request; remove it" + (fields is null ? "." : $" (the fields are {fields}).");
        }
        if (NullNotAllowed().IsMatch(e.Message))
        {
            return $"{field}: must not be null; give a value or leave the field out if it is optional.";
        }
        // Our converters' messages ("must be a time: …") are for clients; only the position suffix is dropped.
        var own = e.Message.Split(" Path: ", 2)[0];
        if (own.StartsWith("must ", StringComparison.Ordinal))
        {
            return $"{field}: {own}";
        }
        var shape = fields is null ? "a JSON object" : $"a JSON object with the fields {fields}";
        if (!e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"The body is not valid JSON{where}: check its quotes, commas and brackets, and send {shape}.";
        }
        if (field is null)
        {
            return $"The body must be {shape}.";
        }
        return $"{field}: has the wrong type{where}. Send it as the schema in /openapi/v1.json says "
            + "(numbers unquoted, strings quoted, lists in [ ], times as epoch milliseconds or ISO-8601).";
    }

    /// <summary>The JSON names of a body type's fields, comma-separated.</summary>
    public static string FieldsOf(Type target, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.MakeReadOnly(populateMissingResolver: true);
        var info = options.GetTypeInfo(target);
        return info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
            ? string.Join(", ", info.Properties.Select(p => p.Name))
            : "";
    }

    /// <summary>The JSON names of the fields of the object at <paramref name="path"/> (dotted JSON names) of <paramref name="target"/>, or null.</summary>
    private static string? NestedFieldsOf(Type target, JsonSerializerOptions options, string path)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        var type = target;
        foreach (var name in path.Split('.'))
        {
            var property = options.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return null; // an array index or a dictionary key: no fixed fields to list
            }
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }
        return FieldsOf(type, options);
    }

    /// <summary>Replaces .NET type names that might remain in a message (e.g. <c>Nullable&lt;long&gt;</c>).</summary>
    public static string WithoutTypeNames(string message) => TypeName().Replace(message, "value");

    [GeneratedRegex(@"missing required properties[^']*'([^']+)'")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"The JSON property '([^']+)' could not be mapped")]
    private static partial Regex Unmapped();

    [GeneratedRegex(@"(?:property|parameter) '([^']+)' on type '[^']+' doesn't allow (?:getting |setting )?null")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex(@"\b(?:System|Microsoft|FeaturePlatform)\.[A-Za-z0-9_.+`\[\], <>]+|\bNullable<[^>]+>")]
    private static partial Regex TypeName();
}
