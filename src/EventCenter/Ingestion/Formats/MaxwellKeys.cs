using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// The entity key of a Maxwell row without configured KeyFields: <c>primary_key_columns</c> (read from the row),
/// else <c>primary_key</c> (output_primary_keys), else the Kafka key Maxwell writes — by default a JSON object
/// <c>{"database":"shop","table":"orders","pk.id":4,"pk.part2":"x"}</c> (the <c>pk.*</c> fields in order), or with
/// <c>kafka_key_format=array</c> <c>["shop","orders",[{"id":4},{"part2":"x"}]]</c>. Composite keys join with '|'.
/// </summary>
internal static class MaxwellKeys
{
    public static string Key(JsonElement root, JsonElement data, byte[]? messageKey)
    {
        if (root.TryGetProperty("primary_key_columns", out var columns) && columns.ValueKind == JsonValueKind.Array && columns.GetArrayLength() > 0)
        {
            return JsonFields.Key(data, columns.EnumerateArray().Select(c => c.GetString() ?? "").ToList());
        }
        if (root.TryGetProperty("primary_key", out var pk) && pk.ValueKind != JsonValueKind.Null)
        {
            return pk.ValueKind == JsonValueKind.Array
                ? Join(pk.EnumerateArray().Select(v => JsonFields.KeyText(v, "primary_key")).ToList())
                : JsonFields.KeyText(pk, "primary_key");
        }
        if (messageKey is { Length: > 0 })
        {
            return FromKafkaKey(messageKey);
        }
        throw new RejectedMessageException("Maxwell message without primary_key, without a Kafka key and no KeyFields configured");
    }

    /// <summary>
    /// The key's column names when the message names them (<c>primary_key_columns</c>, else the Kafka key's columns), in
    /// key order; null when it does not (e.g. <c>primary_key</c> values posted over HTTP without a Kafka key).
    /// </summary>
    public static IReadOnlyList<string>? Columns(JsonElement root, byte[]? messageKey)
    {
        if (root.TryGetProperty("primary_key_columns", out var columns) && columns.ValueKind == JsonValueKind.Array && columns.GetArrayLength() > 0)
        {
            return columns.EnumerateArray().Select(c => c.GetString() ?? "").ToList();
        }
        if (messageKey is not { Length: > 0 })
        {
            return null;
        }
        try
        {
            var names = KafkaKeyColumns(messageKey).Select(c => c.Name).ToList();
            return names.Count > 0 ? names : null;
        }
        catch (RejectedMessageException)
        {
            return null;
        }
    }

    private static string FromKafkaKey(byte[] messageKey)
    {
        var parts = KafkaKeyColumns(messageKey).Select(c => c.Value).ToList();
        return parts.Count > 0
            ? Join(parts)
            : throw new RejectedMessageException("Maxwell Kafka key names no primary-key column (table without a primary key?): configure KeyFields");
    }

    /// <summary>The (column, key text) pairs of the Kafka key Maxwell writes, in order.</summary>
    private static List<(string Name, string Value)> KafkaKeyColumns(byte[] messageKey)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(messageKey);
        }
        catch (JsonException e)
        {
            throw new RejectedMessageException($"Maxwell Kafka key is not JSON ({e.Message}) and no KeyFields configured");
        }
        using (document)
        {
            var root = document.RootElement;
            var parts = new List<(string, string)>();
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in root.EnumerateObject())
                {
                    if (field.Name.StartsWith("pk.", StringComparison.Ordinal))
                    {
                        parts.Add((field.Name[3..], JsonFields.KeyText(field.Value, field.Name)));
                    }
                }
            }
            else if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() == 3 && root[2].ValueKind == JsonValueKind.Array)
            {
                foreach (var column in root[2].EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object))
                {
                    parts.AddRange(column.EnumerateObject().Select(f => (f.Name, JsonFields.KeyText(f.Value, f.Name))));
                }
            }
            return parts;
        }
    }

    private static string Join(List<string> parts)
    {
        var key = parts.Count == 1 ? parts[0] : string.Join('|', parts);
        return key.Length is > 0 and <= JsonFields.MaxKeyLength ? key : throw new RejectedMessageException($"entity key must be 1-{JsonFields.MaxKeyLength} characters, got {key.Length}");
    }
}
