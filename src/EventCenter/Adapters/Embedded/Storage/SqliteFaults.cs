using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>Recognises the SQLite and file-system errors that mean "the storage cannot take writes now".</summary>
internal static class SqliteFaults
{
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    /// <summary>The reason for <paramref name="exception"/>, or null when it is not a storage fault (bad SQL, constraint, corruption…).</summary>
    public static StorageFaultReason? ReasonOf(Exception exception) => exception switch
    {
        StorageUnavailableException s => s.Reason,
        SqliteException e => (e.SqliteErrorCode & 0xFF) switch
        {
            SqliteFull => StorageFaultReason.DiskFull,
            SqliteReadOnly => StorageFaultReason.ReadOnly,
            SqliteIoError or SqliteCantOpen => StorageFaultReason.IoError,
            _ => null,
        },
        UnauthorizedAccessException => StorageFaultReason.ReadOnly,
        IOException io when io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) || io.Message.Contains("quota", StringComparison.OrdinalIgnoreCase) => StorageFaultReason.DiskFull,
        IOException io when io.Message.Contains("Read-only", StringComparison.OrdinalIgnoreCase) => StorageFaultReason.ReadOnly,
        IOException => StorageFaultReason.IoError,
        _ => null,
    };

    /// <summary>
    /// <paramref name="exception"/> as a <see cref="StorageUnavailableException"/> naming <paramref name="database"/>, or
    /// null when it is not a storage fault.
    /// </summary>
    public static StorageUnavailableException? Classify(Exception exception, string database, TableName? table = null)
    {
        if (exception is StorageUnavailableException already)
        {
            return already;
        }
        return ReasonOf(exception) is { } reason
            ? new StorageUnavailableException(reason, database, exception.Message, table, exception)
            : null;
    }
}
