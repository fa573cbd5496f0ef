using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded;

/// <summary>
/// The embedded adapter's instruments on meter <see cref="MeterName"/>: the size of each SQLite database (with its
/// write-ahead log) and the storage faults writes meet (disk full, read-only, I/O errors).
/// </summary>
public sealed class EmbeddedMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.Embedded";

    private readonly List<(string Name, string Directory)> databases = [];

    /// <summary>Creates the instruments.</summary>
    public EmbeddedMetrics(IMeterFactory meters, StorageFaultMonitor faults)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(faults);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("embedded.database.size", Sizes, unit: "By", description: "Bytes on disk of each embedded database folder (database and write-ahead log), by database.");
        meter.CreateObservableGauge("embedded.storage.faults", () => faults.Faults.Count, description: "Embedded databases whose writes currently fail for a storage cause.");
        meter.CreateObservableCounter("embedded.storage.fault_episodes", () => faults.Episodes, description: "Times writes started failing for a storage cause.");
    }

    /// <summary>Reports the size of the database folder <paramref name="directory"/> as <paramref name="name"/>.</summary>
    internal void Add(string name, string directory)
    {
        lock (databases)
        {
            databases.Add((name, directory));
        }
    }

    private IEnumerable<Measurement<long>> Sizes()
    {
        List<(string Name, string Directory)> snapshot;
        lock (databases)
        {
            snapshot = [.. databases];
        }
        foreach (var (name, directory) in snapshot)
        {
            var folder = new DirectoryInfo(directory);
            if (folder.Exists)
            {
                yield return new Measurement<long>(folder.EnumerateFiles().Sum(f => f.Length), new KeyValuePair<string, object?>("database", name));
            }
        }
    }
}
