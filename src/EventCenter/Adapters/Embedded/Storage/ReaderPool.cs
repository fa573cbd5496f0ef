using System.Collections.Concurrent;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// A fixed set of reader connections. WAL mode lets them read concurrently with each other and with the
/// writer; each sees the last transaction committed when its read began.
/// </summary>
internal sealed class ReaderPool : IDisposable
{
    private readonly ConcurrentBag<CachedConnection> idle = [];
    private readonly SemaphoreSlim available;
    private readonly EmbeddedStoreOptions options;
    private bool disposed;

    public ReaderPool(EmbeddedStoreOptions options)
    {
        this.options = options;
        available = new SemaphoreSlim(options.ReaderPoolSize, options.ReaderPoolSize);
    }

    /// <summary>Connections not lent out right now (for tests: all of them when no read is running).</summary>
    public int Available => available.CurrentCount;

    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken)
    {
        await available.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!idle.TryTake(out var connection))
            {
                connection = new CachedConnection(SqliteConnections.Open(options, writer: false));
            }
            return new Lease(this, connection);
        }
        catch
        {
            available.Release();
            throw;
        }
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var c))
        {
            c.Dispose();
        }
    }

    private void Return(CachedConnection connection)
    {
        if (disposed)
        {
            connection.Dispose();
        }
        else
        {
            idle.Add(connection);
        }
        available.Release();
    }

    /// <summary>A borrowed connection; disposing returns it.</summary>
    public readonly struct Lease(ReaderPool pool, CachedConnection connection) : IDisposable
    {
        public CachedConnection Connection { get; } = connection;

        public void Dispose() => pool.Return(Connection);
    }
}
