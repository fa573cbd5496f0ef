using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase;

/// <summary>
/// At most <see cref="HBaseOptions.PoolSize"/> connections to the Thrift2 server. Idle connections are reused;
/// broken or stale ones (server restarted, call failed) are closed and never handed out again.
/// </summary>
internal sealed class HBaseConnectionPool : IAsyncDisposable
{
    private readonly HBaseOptions options;
    private readonly ThriftConnectionOptions connectionOptions;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentBag<THBaseServiceClient> idle = [];
    private int disposed;

    public HBaseConnectionPool(HBaseOptions options)
    {
        this.options = options;
        connectionOptions = options.ToConnectionOptions();
        slots = new SemaphoreSlim(options.PoolSize, options.PoolSize);
    }

    /// <summary>Connections opened so far (for tests and metrics).</summary>
    public int ConnectionsOpened => Volatile.Read(ref opened);

    private int opened;

    /// <summary>Takes an idle healthy connection or opens a new one; give it back with <see cref="ReturnAsync"/>.</summary>
    public async ValueTask<THBaseServiceClient> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (idle.TryTake(out var client))
            {
                if (!client.Connection.IsStale())
                {
                    return client;
                }
                await client.Connection.DisposeAsync().ConfigureAwait(false);
            }
            var connection = await ThriftConnection.ConnectAsync(options.Host, options.Port, connectionOptions, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref opened);
            return new THBaseServiceClient(connection);
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>Returns a rented connection; a broken one is closed instead of pooled.</summary>
    public async ValueTask ReturnAsync(THBaseServiceClient client)
    {
        try
        {
            if (client.Connection.IsBroken || Volatile.Read(ref disposed) != 0)
            {
                await client.Connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                idle.Add(client);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        while (idle.TryTake(out var client))
        {
            await client.Connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
