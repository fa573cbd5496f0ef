using Xunit;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// xunit collection fixture: one PostgreSQL server per test assembly run. Declare the collection in the test
/// assembly: <c>[CollectionDefinition(PostgresCollection.Name)] class PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;</c>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    /// <summary>The running server.</summary>
    public PostgresServer Server => server ?? throw new InvalidOperationException("PostgresFixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => server = await PostgresServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
