using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.Backfill;

/// <summary>
/// The output of a backfill run: newest event time wins. Before each batch it reads the event time of every key's stored
/// features (one multi-get) and drops each result whose event time is older than the stored one — a live (or later
/// backfilled) value computed from a newer event is never overwritten; a result of the same event time replaces the
/// stored one (an offline correction of the same computation). What passes goes to the feature store and then to the
/// chosen sinks, flagged as a correction (<see cref="FeatureResult.Correction"/>: consumers replace the row with the same
/// result id), so a re-run writes the same cells and the same result ids: no visible duplicates.
/// </summary>
/// <remarks>
/// The check and the write are not one transaction: a live write landing between them is still safe, because every
/// feature-store cell is stamped with its event time and a read returns the newest (<see cref="FeatureStore"/>); the
/// check keeps stale rows out of the sinks, keeps a backfilled row from mixing its columns into a newer one, and counts
/// what was skipped.
/// </remarks>
public sealed class BackfillOutput(FeatureStore store, IReadOnlyList<IJobOutput> sinks, BackfillTally tally, Func<ValueTask>? completed = null) : IJobOutput
{
    /// <inheritdoc />
    public string Name => "backfill:" + store.Name;

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        var kept = new List<FeatureResult>(results.Count);
        long skipped = 0;
        foreach (var job in results.GroupBy(r => r.Job, StringComparer.Ordinal))
        {
            var keys = job.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
            var times = await store.GetEventTimesAsync(job.Key, keys, cancellationToken);
            var stored = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < keys.Count; i++)
            {
                if (times[i] is { } t)
                {
                    stored[keys[i]] = t;
                }
            }
            foreach (var result in job)
            {
                if (stored.TryGetValue(result.Key, out var newest) && result.EventTime < newest)
                {
                    skipped++;
                }
                else
                {
                    kept.Add(result with { Correction = true });
                }
            }
        }
        if (kept.Count > 0)
        {
            await store.WriteAsync(kept, cancellationToken);
            foreach (var sink in sinks)
            {
                await sink.WriteAsync(kept, cancellationToken);
            }
        }
        tally.Add(kept, skipped);
    }

    /// <summary>Disposes the sinks (the shared feature store stays open), then reports completion.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var sink in sinks)
        {
            await sink.DisposeAsync();
        }
        if (completed is not null)
        {
            await completed();
        }
    }
}

/// <summary>What a backfill wrote and skipped so far, and the model versions of what it wrote. Thread-safe.</summary>
public sealed class BackfillTally
{
    private readonly Lock gate = new();
    private readonly SortedDictionary<string, SortedSet<string>> models = new(StringComparer.Ordinal);
    private long written;
    private long skipped;

    /// <summary>Result rows written to the feature store (and the sinks).</summary>
    public long Written => Interlocked.Read(ref written);

    /// <summary>Result rows not written because the store held a value of a newer event time.</summary>
    public long SkippedNewer => Interlocked.Read(ref skipped);

    /// <summary>Model → versions of the written rows.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Models
    {
        get
        {
            lock (gate)
            {
                return models.ToDictionary(m => m.Key, m => (IReadOnlyList<string>)[.. m.Value], StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Counts a batch: <paramref name="kept"/> written, <paramref name="skippedNewer"/> skipped.</summary>
    public void Add(IReadOnlyList<FeatureResult> kept, long skippedNewer)
    {
        ArgumentNullException.ThrowIfNull(kept);
        Interlocked.Add(ref written, kept.Count);
        Interlocked.Add(ref skipped, skippedNewer);
        lock (gate)
        {
            foreach (var result in kept)
            {
                foreach (var (model, version) in result.Models)
                {
                    if (!models.TryGetValue(model, out var seen))
                    {
                        models[model] = seen = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    seen.Add(version);
                }
            }
        }
    }
}
