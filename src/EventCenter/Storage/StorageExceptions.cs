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
