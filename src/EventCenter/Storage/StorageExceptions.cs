namespace FeaturePlatform.EventCenter.Storage;

/// <summary>A storage operation failed for a reason the store reported (not bad input, which is <see cref="ArgumentException"/>).</summary>
public class WideTableStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WideTableStoreException(string message, TableName? table = null, Exception? inner = null)
        : base(message, inner)
    {
        Table = table;
    }

    /// <summary>The table involved, when known.</summary>
    public TableName? Table { get; }
}

/// <summary>The table does not exist (was never created, or was dropped).</summary>
public sealed class TableNotFoundException : WideTableStoreException
{
    /// <summary>Creates the exception for <paramref name="table"/>.</summary>
    public TableNotFoundException(TableName table, Exception? inner = null)
        : base($"Table '{table}' does not exist.", table, inner)
    {
    }
}

/// <summary>A put, get, scan or delete named a column family the table does not declare.</summary>
public sealed class NoSuchColumnFamilyException : WideTableStoreException
{
    /// <summary>Creates the exception for <paramref name="family"/> in <paramref name="table"/>.</summary>
    public NoSuchColumnFamilyException(TableName table, string family, Exception? inner = null)
        : base($"Table '{table}' has no column family '{family}'.", table, inner)
    {
        Family = family;
    }

    /// <summary>The family that was not found.</summary>
    public string Family { get; }
}

/// <summary>Why a database refuses writes for a cause outside the request (see <see cref="StorageUnavailableException"/>).</summary>
public enum StorageFaultReason
{
    /// <summary>The disk (or the operator's size cap on the database) is full: SQLITE_FULL, ENOSPC.</summary>
    DiskFull,

    /// <summary>The file or its file system is read-only: SQLITE_READONLY, EROFS, missing permissions.</summary>
    ReadOnly,

    /// <summary>The operating system reported an I/O error: SQLITE_IOERR, SQLITE_CANTOPEN.</summary>
    IoError,
}

/// <summary>
/// A write failed because the storage itself cannot take writes now (disk full, read-only, I/O error), not because
/// of the request. Nothing of the failed write was stored; the same write succeeds once the cause is gone (for
/// example once space returns), without a restart. HTTP answers it with 503 and Retry-After.
/// </summary>
public sealed class StorageUnavailableException : WideTableStoreException
{
    /// <summary>Creates the exception; the message names the cause and the file.</summary>
    public StorageUnavailableException(StorageFaultReason reason, string database, string detail, TableName? table = null, Exception? inner = null)
        : base($"{Describe(reason)} writing {database}: {detail}", table, inner)
    {
        Reason = reason;
        Database = database;
    }

    /// <summary>The cause.</summary>
    public StorageFaultReason Reason { get; }

    /// <summary>The database file (or store name) that refused the write. For logs only: never shown to API clients.</summary>
    public string Database { get; }

    /// <summary>The cause in words: "disk full", "read-only storage", "I/O error".</summary>
    public static string Describe(StorageFaultReason reason) => reason switch
    {
        StorageFaultReason.DiskFull => "disk full",
        StorageFaultReason.ReadOnly => "read-only storage",
        _ => "I/O error",
    };

    /// <summary>The <see cref="StorageUnavailableException"/> in <paramref name="exception"/> or its inner exceptions, if any.</summary>
    public static StorageUnavailableException? Find(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            switch (exception)
            {
                case StorageUnavailableException found:
                    return found;
                case AggregateException { InnerExceptions.Count: > 0 } aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        if (Find(inner) is { } nested)
                        {
                            return nested;
                        }
                    }
                    return null;
                default:
                    exception = exception.InnerException;
                    break;
            }
        }
        return null;
    }
}
