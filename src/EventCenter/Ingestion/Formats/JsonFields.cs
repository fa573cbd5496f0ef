using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>Reading keys, times and images out of JSON documents; failures throw <see cref="RejectedMessageException"/>.</summary>
internal static class JsonFields
{
    /// <summary>Longest entity key accepted (characters).</summary>
    public const int MaxKeyLength = 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses the payload; invalid UTF-8, malformed JSON and non-object roots are rejected.</summary>
    public static JsonDocument ParseObject(byte[] value) => Parse(value, allowNull: false);

    /// <summary>As <see cref="ParseObject"/>, but a JSON <c>null</c> root is returned too (a tombstone in some converters).</summary>
    public static JsonDocument ParseObjectOrNull(byte[] value) => Parse(value, allowNull: true);

    /// <summary>The text of a scalar naming (part of) a source position; null when absent or JSON null.</summary>
    public static string? PositionText(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        } : null;

    private static JsonDocument Parse(byte[] value, bool allowNull)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value, Options);
        }
        catch (JsonException e)
        {
            throw new RejectedMessageException($"malformed JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new RejectedMessageException($"not valid UTF-8 JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object && !(allowNull && document.RootElement.ValueKind == JsonValueKind.Null))
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new RejectedMessageException($"expected a JSON object, got {kind}");
        }
        return document;
    }

    /// <summary>The element at a dot-separated path, or null when any step is missing or null.</summary>
    public static JsonElement? Find(JsonElement root, string path)
    {
        var current = root;
        foreach (var step in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current) || current.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>A named property that must be an object (or null when absent/null and <paramref name="optional"/>).</summary>
    public static JsonElement? Object(JsonElement root, string name, bool optional)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return optional ? null : throw new RejectedMessageException($"missing '{name}'");
        }
        return element.ValueKind == JsonValueKind.Object ? element : throw new RejectedMessageException($"'{name}' must be an object, got {element.ValueKind}");
    }

    /// <summary>The text of a scalar used as (part of) an entity key.</summary>
    public static string KeyText(JsonElement element, string field) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new RejectedMessageException($"key field '{field}' must be a string or number, got {element.ValueKind}"),
    };

    /// <summary>Joins the key fields found in <paramref name="row"/> (paths) with '|'.</summary>
    public static string Key(JsonElement row, IReadOnlyList<string> fields)
    {
        if (fields.Count == 0)
        {
            throw new RejectedMessageException("no key fields: configure KeyFields for this source");
        }
        var parts = new string[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            parts[i] = Find(row, fields[i]) is { } value ? KeyText(value, fields[i]) : throw new RejectedMessageException($"missing key field '{fields[i]}'");
        }
        var key = parts.Length == 1 ? parts[0] : string.Join('|', parts);
        return key.Length is > 0 and <= MaxKeyLength ? key : throw new RejectedMessageException($"entity key must be 1-{MaxKeyLength} characters, got {key.Length}");
    }

    /// <summary>
    /// An integer millisecond (or second, scaled) timestamp; strings holding integers are accepted (Canal). A millisecond
    /// field holding what looks like seconds (<see cref="TimeRangeCheck"/>) is rejected naming the field and the value to
    /// send: stored, it would be an event of January 1970. This is the one check of CDC and JSON time fields, whichever
    /// way the message comes (HTTP message-forward, Kafka, the RabbitMQ forwarder).
    /// </summary>
    public static long Millis(JsonElement element, string field, long scale = 1, bool isoAccepted = false)
    {
        long value;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var number))
        {
            value = number;
        }
        else if (element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }
        else if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var fractional) && fractional is >= 0 and < 1e15)
        {
            _ = NotSeconds((long)fractional, field, scale, isoAccepted);
            return Check((long)(fractional * scale), field);
        }
        else
        {
            throw new RejectedMessageException($"'{field}' must be an integer timestamp, got {Describe(element)}");
        }
        return value is >= 0 and <= long.MaxValue / 1000 ? Check(NotSeconds(value, field, scale, isoAccepted) * scale, field) : throw new RejectedMessageException($"'{field}' = {value} is out of range");
    }

    private static long NotSeconds(long value, string field, long scale, bool isoAccepted) =>
        scale == 1 && TimeRangeCheck.SecondsProblem(field, value, isoAccepted) is { } problem ? throw new RejectedMessageException(problem) : value;

    /// <summary>A time given as epoch ms or an ISO-8601 string.</summary>
    public static long FlexibleTime(JsonElement element, string field)
    {
        if (element.ValueKind == JsonValueKind.String
            && !long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? Check(t.ToUnixTimeMilliseconds(), field)
                : throw new RejectedMessageException($"'{field}' is not an ISO-8601 time or epoch ms: {Describe(element)}");
        }
        return Millis(element, field, isoAccepted: true);
    }

    /// <summary>The element's JSON text as UTF-8.</summary>
    public static byte[] Bytes(JsonElement element) => Encoding.UTF8.GetBytes(element.GetRawText());

    /// <summary>Transport headers as text: UTF-8 when valid, otherwise base64 prefixed with "base64:".</summary>
    public static IReadOnlyDictionary<string, string> Headers(IReadOnlyList<KeyValuePair<string, byte[]>> headers)
    {
        if (headers.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var result = new Dictionary<string, string>(headers.Count);
        foreach (var (name, value) in headers)
        {
            string text;
            try
            {
                text = strict.GetString(value);
            }
            catch (DecoderFallbackException)
            {
                text = "base64:" + Convert.ToBase64String(value);
            }
            result[name] = text;
        }
        return result;
    }

    private static long Check(long ms, string field) =>
        ms is >= 0 and <= 253402300799999 ? ms : throw new RejectedMessageException($"'{field}' = {ms} is outside year 1970..9999");

    private static string Describe(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}

/// <summary>Thrown inside parsers for a message that must be dead-lettered; caught and turned into a rejection.</summary>
internal sealed class RejectedMessageException(string reason) : Exception(reason);
