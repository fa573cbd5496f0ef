using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded;

/// <summary>
/// The embedded adapter's instruments on meter <see cref="MeterName"/>: the size of each SQLite database (with its
/// write-ahead log), what each store's single writer does (transactions, writes, busy time: its utilisation tells when
/// a store is at its write capacity) and the storage faults writes meet (disk full, read-only, I/O errors).
/// </summary>
public sealed class EmbeddedMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.Embedded";

    private readonly List<(string Name, string Directory)> databases = [];
    private readonly List<(string Name, Func<EmbeddedWriterStatistics> Read)> writers = [];

    /// <summary>Creates the instruments.</summary>
    public EmbeddedMetrics(IMeterFactory meters, StorageFaultMonitor faults)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(faults);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("embedded.database.size", Sizes, unit: "By", description: "Bytes on disk of each embedded database folder (database and write-ahead log), by database.");
        meter.CreateObservableGauge("embedded.storage.faults", () => faults.Faults.Count, description: "Embedded databases whose writes currently fail for a storage cause.");
        meter.CreateObservableCounter("embedded.storage.fault_episodes", () => faults.Episodes, description: "Times writes started failing for a storage cause.");
        meter.CreateObservableCounter("embedded.writer.commits", () => Writers(s => s.Commits), description: "Write transactions the store's single writer committed, by database.");
        meter.CreateObservableCounter("embedded.writer.writes", () => Writers(s => s.Writes), description: "Writes those transactions carried (group commit: several per transaction), by database.");
        meter.CreateObservableCounter("embedded.writer.busy_time", () => Writers(s => s.Busy.TotalSeconds), unit: "s",
            description: "Time the store's single writer spent applying and committing writes, by database; its rate is the writer's utilisation (near 1: writes queue behind each other).");
    }

    /// <summary>Reports the single writer of the store <paramref name="name"/> (see <see cref="EmbeddedWriterStatistics"/>).</summary>
    internal void AddWriter(string name, Func<EmbeddedWriterStatistics> read)
    {
        lock (writers)
        {
            writers.Add((name, read));
        }
    }

    private IEnumerable<Measurement<T>> Writers<T>(Func<EmbeddedWriterStatistics, T> value) where T : struct
    {
        List<(string Name, Func<EmbeddedWriterStatistics> Read)> snapshot;
        lock (writers)
        {
            snapshot = [.. writers];
        }
        foreach (var (name, read) in snapshot)
        {
            yield return new Measurement<T>(value(read()), new KeyValuePair<string, object?>("database", name));
        }
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
