using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>An error reported by the HBase Thrift2 server.</summary>
public abstract class HBaseException : WideTableStoreException
{
    /// <summary>Creates the exception.</summary>
    protected HBaseException(string message, Exception? inner = null, TableName? table = null)
        : base(message, table, inner)
    {
    }
}

/// <summary>
/// HBase's <c>TIOError</c>: the server failed to carry out the call. Also a Thrift application error the server
/// reported instead of a result (unknown method, handler crash), which is never retried.
/// </summary>
public sealed class HBaseIOException : HBaseException
{
    /// <summary>Creates the exception.</summary>
    public HBaseIOException(string message, bool canRetry, Exception? inner = null)
        : base(message, inner)
    {
        CanRetry = canRetry;
    }

    /// <summary>
    /// False when the server says the call must not be retried. Servers older than the <c>canRetry</c> field
    /// do not send it; it then reads as true.
    /// </summary>
    public bool CanRetry { get; }
}

/// <summary>HBase's <c>TIllegalArgument</c>: the server rejected an argument (e.g. an unknown scanner id).</summary>
public sealed class HBaseIllegalArgumentException : HBaseException
{
    /// <summary>Creates the exception.</summary>
    public HBaseIllegalArgumentException(string message)
        : base(message)
    {
    }
}

/// <summary>A batch was not (or not completely) applied; says which rows may be missing.</summary>
public sealed class HBaseBatchException : HBaseException
{
    /// <summary>Creates the exception.</summary>
    public HBaseBatchException(string message, int firstFailedIndex, TableName table, Exception? inner)
        : base(message, inner, table)
    {
        FirstFailedIndex = firstFailedIndex;
    }

    /// <summary>Index (in the caller's batch) of the first row that may not have been applied; rows before it were.</summary>
    public int FirstFailedIndex { get; }
}
