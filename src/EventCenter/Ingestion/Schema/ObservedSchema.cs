using System.Text.Json.Serialization;

namespace FeaturePlatform.EventCenter.Ingestion.Schema;

/// <summary>
/// What ingestion has seen of a source's row images (stored in the metadata store as kind <see cref="Kind"/>): how
/// many events were stored, how many of them were inspected, and per field path (top level and one level down, e.g.
/// <c>address.city</c>) how often it was present, null, of each JSON type, and a few example values.
/// </summary>
public sealed record ObservedSchema
{
    /// <summary>The metadata kind of observed schemas.</summary>
    public const string Kind = "schema";

    /// <summary>The source.</summary>
    public required string Source { get; init; }

    /// <summary>Events stored (every one counted).</summary>
    public long Events { get; init; }

    /// <summary>Events whose row image was inspected (a sample, see <see cref="SchemaObserver"/>).</summary>
    public long Inspected { get; init; }

    /// <summary>Event time of the newest event seen (Unix ms).</summary>
    public long LastEventTime { get; init; }

    /// <summary>When the schema was last merged (Unix ms).</summary>
    public long UpdatedAt { get; init; }

    /// <summary>The fields by path.</summary>
    public IReadOnlyDictionary<string, ObservedField> Fields { get; init; } = new Dictionary<string, ObservedField>();

    /// <summary>This schema plus <paramref name="delta"/> (counts added, examples kept up to <see cref="ObservedField.MaxExamples"/>).</summary>
    public ObservedSchema Merge(ObservedSchema delta, long now)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var fields = Fields.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (path, field) in delta.Fields)
        {
            fields[path] = fields.TryGetValue(path, out var known) ? known.Merge(field) : field;
        }
        return this with
        {
            Events = Events + delta.Events,
            Inspected = Inspected + delta.Inspected,
            LastEventTime = Math.Max(LastEventTime, delta.LastEventTime),
            UpdatedAt = now,
            Fields = fields,
        };
    }
}

/// <summary>One field path's observations.</summary>
public sealed record ObservedField
{
    /// <summary>Examples kept per field.</summary>
    public const int MaxExamples = 3;

    /// <summary>Inspected events holding the field (null included).</summary>
    public long Present { get; init; }

    /// <summary>Inspected events holding it as JSON null.</summary>
    public long Nulls { get; init; }

    /// <summary>Counts by JSON type: <c>string</c>, <c>int</c>, <c>float</c>, <c>bool</c>, <c>object</c>, <c>array</c>.</summary>
    public IReadOnlyDictionary<string, long> Types { get; init; } = new Dictionary<string, long>();

    /// <summary>Up to <see cref="MaxExamples"/> distinct example values (as JSON text, cut at 80 characters).</summary>
    public IReadOnlyList<string> Examples { get; init; } = [];

    /// <summary>The most frequent non-null type, or null when only nulls were seen.</summary>
    [JsonIgnore]
    public string? MainType => Types.Count == 0 ? null : Types.MaxBy(kv => kv.Value).Key;

    /// <summary>Sum of both.</summary>
    public ObservedField Merge(ObservedField other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var types = Types.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (type, count) in other.Types)
        {
            types[type] = types.GetValueOrDefault(type) + count;
        }
        return new ObservedField
        {
            Present = Present + other.Present,
            Nulls = Nulls + other.Nulls,
            Types = types,
            Examples = [.. Examples.Concat(other.Examples).Distinct(StringComparer.Ordinal).Take(MaxExamples)],
        };
    }
}
