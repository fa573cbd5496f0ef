using System.Text.Json;
using FeaturePlatform.EventCenter.MetadataStore;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>
/// Keeps this process's <see cref="SourceRegistry"/> equal to the configuration's seeds overlaid with the sources
/// stored in the metadata store (kind <see cref="Kind"/>): a stored definition replaces a seed of the same name, a
/// stored deletion removes it. Run once at start-up and then by the poll loop (<c>SourceSyncService</c>) in every
/// process; <see cref="Pulse"/> wakes this process's loop after a change made here.
/// </summary>
public sealed class SourceSync(SourceRegistry registry, IReadOnlyList<SourceDefinition> seeds, IMetadataStore store, ILogger logger)
{
    /// <summary>The metadata kind of stored source definitions.</summary>
    public const string Kind = "source";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly HashSet<(string Name, long Revision)> reported = [];
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? refusedSet;

    /// <summary>The seeds (from configuration).</summary>
    public IReadOnlyList<SourceDefinition> Seeds => seeds;

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>Wakes the sync loop of this process.</summary>
    public void Pulse() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Reads the stored sources and applies the effective set; returns whether the registry changed.</summary>
    public async Task<bool> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.ListAsync(Kind, cancellationToken);
            var effective = Merge(stored);
            try
            {
                var before = registry.All.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
                if (!registry.Replace(effective))
                {
                    return false;
                }
                var after = effective.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
                logger.LogInformation("Sources changed (version {Version}): {Count} sources; added [{Added}], removed [{Removed}]", registry.Version, after.Count,
                    string.Join(", ", after.Except(before)), string.Join(", ", before.Except(after)));
                refusedSet = null;
                return true;
            }
            catch (ArgumentException e)
            {
                // A stored set this process cannot apply (e.g. a topic one of its own seeds claims): keep running the last good set.
                var key = string.Join(",", stored.Select(r => r.Revision));
                if (refusedSet != key)
                {
                    logger.LogError("The stored sources cannot be applied in this process ({Error}); it keeps its current {Count} sources", e.Message, registry.All.Count);
                    refusedSet = key;
                }
                return false;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The seeds overlaid with <paramref name="stored"/> (unreadable records are logged once and skipped).</summary>
    public IReadOnlyList<SourceDefinition> Merge(IReadOnlyList<MetadataRecord> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var byName = seeds.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var record in stored)
        {
            if (record.Deleted)
            {
                byName.Remove(record.Name);
                continue;
            }
            try
            {
                var source = SourceDefinitions.FromJson(record.Json!);
                if (source.Name != record.Name)
                {
                    throw new JsonException($"the definition names '{source.Name}'");
                }
                byName[record.Name] = source;
            }
            catch (JsonException e)
            {
                if (reported.Add((record.Name, record.Revision)))
                {
                    logger.LogError("Stored source {Source} (revision {Revision}) cannot be read ({Error}); skipped", record.Name, record.Revision, e.Message);
                }
            }
        }
        return [.. byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }
}
