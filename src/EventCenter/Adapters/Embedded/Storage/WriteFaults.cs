using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// One database's view of its write faults: turns SQLite and file-system errors into
/// <see cref="StorageUnavailableException"/>s naming the file, and tells the <see cref="StorageFaultMonitor"/> when an
/// episode starts and ends. Successful writes cost one field read while nothing is failing.
/// </summary>
internal sealed class WriteFaults(string database, StorageFaultMonitor? monitor, Func<CancellationToken, ValueTask> probe)
{
    private volatile bool faulted;

    /// <summary>The database file.</summary>
    public string Database => database;

    /// <summary>True from a failed write to the next successful one.</summary>
    public bool Faulted => faulted;

    /// <summary>
    /// The exception to throw for <paramref name="failure"/>: a <see cref="StorageUnavailableException"/> (reported to
    /// the monitor) when storage caused it, else null (rethrow the original).
    /// </summary>
    public StorageUnavailableException? Failed(Exception failure, TableName? table = null)
    {
        var unavailable = SqliteFaults.Classify(failure, database, table);
        if (unavailable is not null)
        {
            faulted = true;
            monitor?.ReportFailure(unavailable, probe);
        }
        return unavailable;
    }

    /// <summary>Records a successful write (ends an episode).</summary>
    public void Succeeded()
    {
        if (faulted)
        {
            faulted = false;
            monitor?.ReportSuccess(database);
        }
    }
}
