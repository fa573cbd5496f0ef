using System.Collections.Concurrent;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// At most <see cref="HBaseOptions.PoolSize"/> connections to the Thrift2 server. Idle connections are reused;
/// broken or stale ones (server restarted, call failed) are closed and never handed out again.
/// </summary>
internal sealed class HBaseConnectionPool : IAsyncDisposable
{
    private readonly HBaseOptions options;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentBag<HBaseConnection> idle = [];
    private int disposed;

    public HBaseConnectionPool(HBaseOptions options)
    {
        this.options = options;
        slots = new SemaphoreSlim(options.PoolSize, options.PoolSize);
    }

    /// <summary>Connections opened so far (for tests and metrics).</summary>
    public int ConnectionsOpened => Volatile.Read(ref opened);

    private int opened;

    /// <summary>Takes an idle healthy connection or opens a new one; give it back with <see cref="Return"/>.</summary>
    public async ValueTask<HBaseConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (idle.TryTake(out var connection))
            {
                if (!connection.IsStale())
                {
                    return connection;
                }
                connection.Dispose();
            }
            var fresh = await HBaseConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref opened);
            return fresh;
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>Returns a rented connection; a broken one is closed instead of pooled.</summary>
    public void Return(HBaseConnection connection)
    {
        try
        {
            if (connection.IsBroken || Volatile.Read(ref disposed) != 0)
            {
                connection.Dispose();
            }
            else
            {
                idle.Add(connection);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            while (idle.TryTake(out var connection))
            {
                connection.Dispose();
            }
        }
        return ValueTask.CompletedTask;
    }
}
