using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Exports;

namespace FeaturePlatform.Runtime.Slices;

/// <summary>
/// A slice as a table: <c>key</c>, <c>event_time</c> (INT64 ms), <c>event_id</c>, <c>operation</c>, then one column per
/// top-level field of the rows (their <see cref="ChangeEvent.After"/> images), sorted by name. A field's type is taken
/// from its values in the slice: all integers → INT64, all numbers → DOUBLE, all booleans → BOOLEAN, else STRING (text
/// as is, other JSON as its text); an entity without the field has null.
/// </summary>
public static class SliceTable
{
    private static readonly string[] Fixed = ["key", "event_time", "event_id", "operation"];

    /// <summary>The columns of a slice of <paramref name="states"/>.</summary>
    public static IReadOnlyList<TableColumn> ColumnsOf(IReadOnlyList<ChangeEvent> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var kinds = new SortedDictionary<string, ColumnType?>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            using var row = Parse(state);
            if (row is null)
            {
                continue;
            }
            foreach (var field in row.RootElement.EnumerateObject())
            {
                if (Fixed.Contains(field.Name, StringComparer.Ordinal))
                {
                    continue;
                }
                kinds.TryGetValue(field.Name, out var known);
                kinds[field.Name] = Merge(known, field.Value, kinds.ContainsKey(field.Name));
            }
        }
        return
        [
            new("key", ColumnType.String, Nullable: false),
            new("event_time", ColumnType.Int64, Nullable: false),
            new("event_id", ColumnType.String, Nullable: false),
            new("operation", ColumnType.String, Nullable: false),
            .. kinds.Select(k => new TableColumn(k.Key, k.Value ?? ColumnType.String)),
        ];
    }

    /// <summary>One row of <paramref name="state"/> in <paramref name="columns"/>' order.</summary>
    public static IReadOnlyList<object?> RowOf(ChangeEvent state, IReadOnlyList<TableColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(columns);
        var values = new object?[columns.Count];
        values[0] = state.EntityKey;
        values[1] = state.EventTime;
        values[2] = state.EventId;
        values[3] = state.Operation.ToString().ToLowerInvariant();
        using var row = Parse(state);
        if (row is not null)
        {
            for (var i = Fixed.Length; i < columns.Count; i++)
            {
                if (row.RootElement.TryGetProperty(columns[i].Name, out var value))
                {
                    values[i] = columns[i].Type == ColumnType.Double && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : value.Clone();
                }
            }
        }
        return values;
    }

    private static JsonDocument? Parse(ChangeEvent state)
    {
        if (state.After is not { Length: > 0 } after)
        {
            return null;
        }
        try
        {
            var document = JsonDocument.Parse(after);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }
            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The type of a column holding <paramref name="known"/>'s values and <paramref name="value"/>; null: only nulls so far.</summary>
    private static ColumnType? Merge(ColumnType? known, JsonElement value, bool seen)
    {
        ColumnType? kind = value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Number => value.TryGetInt64(out _) ? ColumnType.Int64 : ColumnType.Double,
            JsonValueKind.True or JsonValueKind.False => ColumnType.Bool,
            _ => ColumnType.String,
        };
        if (kind is null || !seen)
        {
            return known ?? kind;
        }
        if (known is null || known == kind)
        {
            return kind;
        }
        return (known, kind) is (ColumnType.Int64, ColumnType.Double) or (ColumnType.Double, ColumnType.Int64) ? ColumnType.Double : ColumnType.String;
    }
}
