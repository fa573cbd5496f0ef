using Xunit;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// xunit collection fixture: one MariaDB server per test assembly run. Declare the collection in the test
/// assembly: <c>[CollectionDefinition(MariaDbCollection.Name)] class MariaDbCollection : ICollectionFixture&lt;MariaDbFixture&gt;</c>.
/// </summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    private MariaDbServer? server;

    /// <summary>The running server.</summary>
    public MariaDbServer Server => server ?? throw new InvalidOperationException("MariaDbFixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => server = await MariaDbServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
