using FeaturePlatform.EventCenter.Diagnostics;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>
/// Reads every <see cref="IMetricsRefresh"/> before a scrape, at most once per <see cref="MinInterval"/> and bounded by
/// <see cref="Timeout"/> (a slow store or bus leaves the previous values rather than holding the scrape).
/// </summary>
internal sealed class ScrapeRefresh(IEnumerable<IMetricsRefresh> refreshes, ApiMetrics api, TimeProvider clock, ILogger<ScrapeRefresh> logger)
{
    /// <summary>Scrapes closer together than this reuse the values read.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest a refresh may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly IMetricsRefresh[] all = [.. refreshes];
    private readonly SemaphoreSlim gate = new(1, 1);
    private DateTimeOffset last = DateTimeOffset.MinValue;

    /// <summary>The API's own instruments (resolved with this so they exist from start-up).</summary>
    public ApiMetrics Api => api;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (clock.GetUtcNow() - last < MinInterval)
            {
                return;
            }
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(Timeout);
            try
            {
                await Task.WhenAll(all.Select(r => r.RefreshAsync(bounded.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Reading gauges for /metrics took over {Timeout}; the scrape shows the values read before.", Timeout);
            }
            last = clock.GetUtcNow();
        }
        finally
        {
            gate.Release();
        }
    }
}
