using Xunit;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// xunit collection fixture: one RabbitMQ node per test assembly run. Declare the collection in the test
/// assembly: <c>[CollectionDefinition(RabbitMqCollection.Name)] class RabbitMqCollection : ICollectionFixture&lt;RabbitMqFixture&gt;</c>.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private RabbitMqServer? server;

    /// <summary>The running node.</summary>
    public RabbitMqServer Server => server ?? throw new InvalidOperationException("RabbitMqFixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => server = await RabbitMqServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
