namespace FeaturePlatform.EventCenter.Diagnostics;

/// <summary>
/// Gauges whose values need I/O (watermarks from the store, end offsets from the bus, a job's lag) are read here,
/// asynchronously, just before a scrape; the gauges' callbacks then only read what this cached.
/// </summary>
public interface IMetricsRefresh
{
    /// <summary>Reads the values behind this component's gauges.</summary>
    Task RefreshAsync(CancellationToken cancellationToken);
}
