using System.Text.Json;
using FeaturePlatform.EventCenter.MetadataStore;

namespace FeaturePlatform.EventCenter.Ingestion.Schema;

/// <summary>
/// Merges a <see cref="SchemaObserver"/>'s deltas into the stored observed schemas (kind <see cref="ObservedSchema.Kind"/>):
/// read, add, write back conditionally on the revision read, again on a lost race — so several ingest processes add up
/// their counts without losing any. A failed flush puts its deltas back for the next one.
/// </summary>
public sealed class SchemaFlusher(SchemaObserver observer, IMetadataStore store, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the stored schema of <paramref name="source"/>, or null.</summary>
    public static async Task<ObservedSchema?> ReadAsync(IMetadataStore store, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var record = await store.GetAsync(ObservedSchema.Kind, source, cancellationToken);
        return record?.Json is { } json ? JsonSerializer.Deserialize<ObservedSchema>(json, Options) : null;
    }

    /// <summary>Merges everything observed since the last flush; returns the number of sources written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var deltas = observer.TakeDeltas();
        var pending = deltas.ToList();
        try
        {
            foreach (var delta in deltas)
            {
                while (true)
                {
                    var record = await store.GetAsync(ObservedSchema.Kind, delta.Source, cancellationToken);
                    var stored = record?.Json is { } json ? JsonSerializer.Deserialize<ObservedSchema>(json, Options) : null;
                    var merged = (stored ?? new ObservedSchema { Source = delta.Source }).Merge(delta, clock.GetUtcNow().ToUnixTimeMilliseconds());
                    var expected = record is null || record.Deleted ? MetadataExpectation.None : MetadataExpectation.At(record.Revision);
                    try
                    {
                        await store.WriteAsync(ObservedSchema.Kind, delta.Source, JsonSerializer.Serialize(merged, Options), expected, "ingestion", cancellationToken);
                        break;
                    }
                    catch (MetadataConflictException)
                    {
                        // Another process merged first: read its sum and add ours to it.
                    }
                }
                pending.Remove(delta);
            }
        }
        catch (Exception)
        {
            observer.Restore(pending);
            throw;
        }
        finally
        {
            if (deltas.Count > 0)
            {
                observer.EndFlush();
            }
        }
        return deltas.Count;
    }
}
