using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Testing.Servers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>The host with a RabbitMQ broker for answers (EventCenter:RabbitMqUri).</summary>
public sealed class RabbitPlatformFactory(string rabbitMqUri) : PlatformFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("EventCenter:RabbitMqUri", rabbitMqUri);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>Every log entry of the host.</summary>
    public Hosting.DiskFullFactory.LogCapture Logs { get; } = new();
}

[CollectionDefinition(Name)]
public sealed class RequestMessageCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "featureapi-rabbitmq";
}

/// <summary>Request–message: the answer of a call is published to the caller's exchange and routing key.</summary>
[Collection(RequestMessageCollection.Name)]
public sealed class RequestMessageTests(RabbitMqFixture rabbit) : IAsyncLifetime
{
    private RabbitPlatformFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new RabbitPlatformFactory(rabbit.Server.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task The_answer_is_published_to_the_reply_routing_key_with_the_request_id_and_can_also_be_polled()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        var server = rabbit.Server;
        var exchange = await server.DeclareDurableExchangeAsync("replies");
        var queue = await server.DeclareDurableQueueAsync("replies");
        await using var connection = await server.ConnectAsync("reply-consumer");
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueBindAsync(queue, exchange, "caller-7.#");
        using var client = factory.CreateClient(PlatformFactory.Author);
        var user = $"u-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = JsonSerializer.Serialize(new
        {
            key = user,
            requestId = $"m-{user}",
            time = now,
            data = new { order_id = $"o-{user}", user_id = user, created_at = now, amount = 12.5 },
            reply = new { exchange, routingKey = $"caller-7.{user}" },
        });

        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests", new StringContent(body, Encoding.UTF8, "application/json"));
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, accepted.GetRawText());
        Assert.Equal("accepted", accepted.GetProperty("state").GetString());

        var message = await ReceiveAsync(channel, queue);
        Assert.Equal($"m-{user}", message.BasicProperties.MessageId);
        Assert.Equal($"m-{user}", message.BasicProperties.CorrelationId);
        Assert.Equal($"caller-7.{user}", message.RoutingKey);
        Assert.Equal("application/json", message.BasicProperties.ContentType);
        var answer = JsonDocument.Parse(message.Body).RootElement;
        Assert.Equal(($"m-{user}", "order_stats_30d", "done"), (answer.GetProperty("requestId").GetString(), answer.GetProperty("job").GetString(), answer.GetProperty("state").GetString()));
        var row = answer.GetProperty("results")[0];
        // The call is an event of calls.order_stats_30d, not an order: the user has none.
        Assert.Equal((user, 0, 0.0), (row.GetProperty("user_id").GetString(), row.GetProperty("order_count").GetInt32(), row.GetProperty("order_amount").GetDouble()));

        var polled = await client.GetFromJsonAsync<JsonElement>(accepted.GetProperty("poll").GetString());
        Assert.Equal(row.GetRawText(), polled.GetProperty("results")[0].GetRawText());
        // Counted once the broker confirms it, which may come after the consumer already has the message.
        var publisher = factory.Services.GetRequiredService<CallReplies>().Publisher!;
        await Poll.UntilAsync(() => Task.FromResult(publisher.Published >= 1), TimeSpan.FromSeconds(10),
            () => $"the reply publisher to count the confirmed reply (published {publisher.Published})");
    }

    [Fact]
    public async Task An_answer_no_queue_receives_is_reported_not_dropped_silently_and_stays_pollable()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        var exchange = await rabbit.Server.DeclareDurableExchangeAsync("replies-unbound"); // no queue bound: nothing routes
        using var client = factory.CreateClient(PlatformFactory.Author);
        var requestId = $"m-unrouted-{Guid.NewGuid():N}";
        var body = JsonSerializer.Serialize(new { key = "u-unrouted", requestId, reply = new { exchange, routingKey = "caller-typo.u" } });

        using var response = await client.PostAsync("/api/jobs/order_stats_30d/requests", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Poll.UntilAsync(() => Task.FromResult(factory.Logs.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains(requestId, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), () => "an error naming the request whose answer no queue received");
        var logged = factory.Logs.Entries.First(e => e.Level == LogLevel.Error && e.Message.Contains(requestId, StringComparison.Ordinal));
        Assert.Contains("can only be polled", logged.Message, StringComparison.Ordinal);
        Assert.Equal(0, factory.Services.GetRequiredService<CallReplies>().Publisher!.Published);
        var polled = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/order_stats_30d/requests/{requestId}");
        Assert.Equal("done", polled.GetProperty("state").GetString());
    }

    private static async Task<BasicGetResult> ReceiveAsync(IChannel channel, string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                return message;
            }
            Assert.True(DateTime.UtcNow < deadline, "no answer arrived on RabbitMQ within 30 s");
            await Task.Delay(20);
        }
    }
}
