using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>
/// Readiness has one entry per external system with its details: the stores and the bus, and — when configured — the
/// RabbitMQ broker and the source databases, whose outage degrades readiness (the API still serves) and clears by itself.
/// </summary>
public sealed class ExternalSystemsHealthTests : IClassFixture<ExternalSystemsHealthTests.Factory>
{
    private readonly Factory factory;

    public ExternalSystemsHealthTests(Factory factory) => this.factory = factory;

    [Fact]
    public async Task Each_external_system_has_an_entry_and_an_unreachable_one_degrades_readiness_until_it_answers()
    {
        using var client = factory.CreateClient();
        var (status, body) = await ReadyAsync(client);
        Assert.Equal(HttpStatusCode.OK, status); // Degraded still serves
        var checks = body.GetProperty("checks");
        foreach (var name in new[] { "hot-store", "cold-store", "bus" })
        {
            Assert.Equal("Healthy", checks.GetProperty(name).GetProperty("status").GetString());
        }
        Assert.Equal("embedded", checks.GetProperty("hot-store").GetProperty("data").GetProperty("kind").GetString());
        Assert.Equal("embedded", checks.GetProperty("bus").GetProperty("data").GetProperty("kind").GetString());

        var rabbit = checks.GetProperty("rabbitmq");
        Assert.Equal("Degraded", rabbit.GetProperty("status").GetString());
        Assert.Equal($"127.0.0.1:{factory.RabbitPort}", rabbit.GetProperty("data").GetProperty("broker").GetString());
        var databases = checks.GetProperty("source-databases");
        Assert.Equal("Degraded", databases.GetProperty("status").GetString());
        Assert.Contains("crm", databases.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Degraded", body.GetProperty("status").GetString());

        // The broker's port opens: the entry turns healthy by itself.
        using var listener = new TcpListener(IPAddress.Loopback, factory.RabbitPort);
        listener.Start();
        (_, body) = await ReadyAsync(client);
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("rabbitmq").GetProperty("status").GetString());
    }

    private static async Task<(HttpStatusCode, JsonElement)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>The platform with a RabbitMQ broker and a source database configured on closed local ports.</summary>
    public sealed class Factory : PlatformFactory
    {
        public int RabbitPort { get; } = FreePort();

        private readonly int postgresPort = FreePort();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("EventCenter:RabbitMqUri", $"amqp://guest:guest@127.0.0.1:{RabbitPort}/");
            builder.UseSetting("EventCenter:SourceDatabases:crm:Kind", "Postgres");
            builder.UseSetting("EventCenter:SourceDatabases:crm:ConnectionString", $"Host=127.0.0.1;Port={postgresPort};Username=x;Password=x;Database=x;Timeout=2");
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
    }
}
