using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>Runs offline corrections of mirrored sources, one at a time per source, and remembers the last report of each.</summary>
public sealed class CorrectionRunner(
    SourceRegistry sources,
    IReadOnlyDictionary<string, ISourceDatabase> databases,
    OfflineCorrection correction,
    TimeProvider clock)
{
    private readonly Dictionary<string, SemaphoreSlim> running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CorrectionReport> lastReports = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Sources that mirror a database table.</summary>
    public IReadOnlyList<SourceDefinition> Mirrored => sources.All.Where(s => s.Mirror is not null).ToList();

    /// <summary>The last report of each corrected source.</summary>
    public IReadOnlyDictionary<string, CorrectionReport> LastReports
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, CorrectionReport>(lastReports, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Corrects <paramref name="sourceName"/> as of now; waits if a correction of it is already running.</summary>
    /// <exception cref="ArgumentException">Unknown source, or it mirrors no table.</exception>
    public async Task<CorrectionReport> RunAsync(string sourceName, CancellationToken cancellationToken = default)
    {
        var source = sources.Find(sourceName) ?? throw new ArgumentException($"Unknown source '{sourceName}'.");
        if (source.Mirror is null || !databases.TryGetValue(source.Mirror.Connection, out var database))
        {
            throw new ArgumentException($"Source '{sourceName}' mirrors no configured database table.");
        }
        SemaphoreSlim slot;
        lock (gate)
        {
            slot = running.TryGetValue(sourceName, out var s) ? s : running[sourceName] = new SemaphoreSlim(1, 1);
        }
        await slot.WaitAsync(cancellationToken);
        try
        {
            var report = await correction.RunAsync(source, database, clock.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken: cancellationToken);
            lock (gate)
            {
                lastReports[sourceName] = report;
            }
            return report;
        }
        finally
        {
            slot.Release();
        }
    }
}
