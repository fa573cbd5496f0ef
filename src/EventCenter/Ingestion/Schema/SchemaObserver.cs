using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Schema;

/// <summary>
/// Observes the events ingestion stores, per source, since the last <see cref="TakeDeltas"/>: every event is counted;
/// the row images of at most <see cref="MaxInspectedPerSource"/> events per source and round are parsed for field
/// paths, types, nulls and examples, so the cost on ingestion stays bounded whatever the rate. The deltas are merged
/// into the metadata store by <see cref="SchemaFlusher"/> (counts add up across processes).
/// </summary>
public sealed class SchemaObserver
{
    /// <summary>Row images inspected per source between two flushes.</summary>
    public const int MaxInspectedPerSource = 200;

    private readonly Lock gate = new();
    private Dictionary<string, Builder> current = new(StringComparer.Ordinal);
    private int flushing;

    /// <summary>Records stored events.</summary>
    public void Observe(IEnumerable<ChangeEvent> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (gate)
        {
            foreach (var e in stored)
            {
                if (!current.TryGetValue(e.Source, out var builder))
                {
                    current[e.Source] = builder = new Builder();
                }
                builder.Events++;
                builder.LastEventTime = Math.Max(builder.LastEventTime, e.EventTime);
                if (builder.Inspected < MaxInspectedPerSource && (e.After ?? e.Before) is { Length: > 0 } image)
                {
                    builder.Inspect(image);
                }
            }
        }
    }

    /// <summary>True while observations wait for a flush or are being flushed (ingestion stored events since the last merge).</summary>
    public bool HasPending
    {
        get
        {
            lock (gate)
            {
                return current.Count > 0 || flushing > 0;
            }
        }
    }

    /// <summary>Ends a flush begun by a non-empty <see cref="TakeDeltas"/> (written, or put back with <see cref="Restore"/>).</summary>
    public void EndFlush()
    {
        lock (gate)
        {
            flushing = Math.Max(0, flushing - 1);
        }
    }

    /// <summary>The observations since the last call, per source (and starts afresh); a non-empty result begins a flush (<see cref="EndFlush"/>).</summary>
    public IReadOnlyList<ObservedSchema> TakeDeltas()
    {
        Dictionary<string, Builder> taken;
        lock (gate)
        {
            taken = current;
            current = new Dictionary<string, Builder>(StringComparer.Ordinal);
            flushing += taken.Count > 0 ? 1 : 0;
        }
        return [.. taken.Select(kv => kv.Value.Build(kv.Key))];
    }

    /// <summary>Puts deltas back (a flush that failed), so nothing observed is lost.</summary>
    public void Restore(IEnumerable<ObservedSchema> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        lock (gate)
        {
            foreach (var delta in deltas)
            {
                if (!current.TryGetValue(delta.Source, out var builder))
                {
                    current[delta.Source] = builder = new Builder();
                }
                builder.Add(delta);
            }
        }
    }

    private sealed class Builder
    {
        private readonly Dictionary<string, ObservedField> fields = new(StringComparer.Ordinal);
        private readonly List<ObservedSchema> restored = [];

        public long Events { get; set; }

        public long Inspected { get; private set; }

        public long LastEventTime { get; set; }

        public void Inspect(byte[] image)
        {
            try
            {
                using var document = JsonDocument.Parse(image);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return;
                }
                Inspected++;
                Walk(document.RootElement, "", 0);
            }
            catch (JsonException)
            {
                // Not a JSON image: nothing to learn of its fields.
            }
        }

        public void Add(ObservedSchema delta) => restored.Add(delta);

        public ObservedSchema Build(string source)
        {
            var schema = new ObservedSchema { Source = source, Events = Events, Inspected = Inspected, LastEventTime = LastEventTime, Fields = fields };
            return restored.Aggregate(schema, (a, d) => a.Merge(d, 0));
        }

        private void Walk(JsonElement obj, string prefix, int depth)
        {
            foreach (var property in obj.EnumerateObject())
            {
                var path = prefix + property.Name;
                var value = property.Value;
                var type = value.ValueKind switch
                {
                    JsonValueKind.String => "string",
                    JsonValueKind.Number => value.TryGetInt64(out _) ? "int" : "float",
                    JsonValueKind.True or JsonValueKind.False => "bool",
                    JsonValueKind.Object => "object",
                    JsonValueKind.Array => "array",
                    _ => null,
                };
                var known = fields.GetValueOrDefault(path) ?? new ObservedField();
                var example = type is null or "object" or "array" ? null : Cut(value.GetRawText());
                fields[path] = known.Merge(new ObservedField
                {
                    Present = 1,
                    Nulls = type is null ? 1 : 0,
                    Types = type is null ? new Dictionary<string, long>() : new Dictionary<string, long> { [type] = 1 },
                    Examples = example is null || known.Examples.Count >= ObservedField.MaxExamples ? [] : [example],
                });
                if (value.ValueKind == JsonValueKind.Object && depth == 0)
                {
                    Walk(value, path + ".", depth + 1);
                }
            }
        }

        private static string Cut(string text) => text.Length <= 80 ? text : text[..77] + "...";
    }
}
