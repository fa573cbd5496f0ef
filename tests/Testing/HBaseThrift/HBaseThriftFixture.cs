using Xunit;

namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>
/// xunit fixture: one buffered/binary HBase Thrift2 server (tables auto-created on first write) for a test
/// collection, plus an optional framed one started on first use. Use unique table names per test
/// (<c>UniqueName.For</c>); do not restart these shared servers — start a private
/// <see cref="HBaseThriftServer"/> for restart or fault tests. A test assembly declares its own
/// <c>[CollectionDefinition]</c> class implementing <c>ICollectionFixture&lt;HBaseThriftFixture&gt;</c>.
/// </summary>
public sealed class HBaseThriftFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim framedLock = new(1, 1);
    private HBaseThriftServer? buffered;
    private HBaseThriftServer? framed;

    /// <summary>The buffered/binary server (HBase's default wire setup).</summary>
    public HBaseThriftServer Server => buffered ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <summary>Starts the buffered server.</summary>
    public async Task InitializeAsync() => buffered = await HBaseThriftServer.StartAsync();

    /// <summary>The framed/binary server, started on first call.</summary>
    public async Task<HBaseThriftServer> GetFramedServerAsync()
    {
        await framedLock.WaitAsync();
        try
        {
            return framed ??= await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { Transport = HBaseThriftTransport.Framed });
        }
        finally
        {
            framedLock.Release();
        }
    }

    /// <summary>Stops both servers by pid.</summary>
    public async Task DisposeAsync()
    {
        if (framed is not null)
        {
            await framed.DisposeAsync();
        }
        if (buffered is not null)
        {
            await buffered.DisposeAsync();
        }
        framedLock.Dispose();
    }
}
