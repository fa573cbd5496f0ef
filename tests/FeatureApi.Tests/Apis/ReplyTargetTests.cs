using System.Net;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// Request–message calls check their reply exchange when they are posted: a missing one is a 400 naming
/// <c>reply.exchange</c> and the fix (not a 202 and an error in the log later); a broker that cannot be reached rejects
/// nothing (202: the answer is published when it is back, and can be polled).
/// </summary>
[Collection(RequestMessageCollection.Name)]
public sealed class ReplyTargetTests(RabbitMqFixture rabbit)
{
    [Fact]
    public async Task A_reply_exchange_that_does_not_exist_is_a_400_naming_the_field_and_accepted_once_declared()
    {
        await using var factory = new RabbitPlatformFactory(rabbit.Server.ConnectionString);
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);
        var exchange = $"replies-missing-{Guid.NewGuid():N}";
        var requestId = $"m-missing-{Guid.NewGuid():N}";

        using (var response = await PostAsync(client, requestId, exchange))
        {
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, problem.GetRawText());
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.Contains($"reply.exchange: the answers' RabbitMQ broker has no exchange '{exchange}'; declare it", detail, StringComparison.Ordinal);
            Assert.True(problem.GetProperty("errors").TryGetProperty("reply.exchange", out _), problem.GetRawText());
        }
        // Nothing was accepted: the request is unknown.
        using (var poll = await client.GetAsync($"/api/jobs/order_stats_30d/requests/{requestId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
        }

        // Declared, the same request is accepted (once the short memory of the missing exchange has passed).
        await using (var connection = await rabbit.Server.ConnectAsync("declare-replies"))
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(exchange, "topic", durable: false, autoDelete: false);
        }
        var status = HttpStatusCode.BadRequest;
        await Poll.UntilAsync(async () =>
        {
            using var response = await PostAsync(client, requestId, exchange);
            status = response.StatusCode;
            return status != HttpStatusCode.BadRequest;
        }, TimeSpan.FromSeconds(15), () => "the request to a declared exchange was not accepted");
        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Fact]
    public async Task A_reply_exchange_is_not_rejected_while_rabbitmq_cannot_be_reached()
    {
        await using var factory = new RabbitPlatformFactory($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/");
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var client = factory.CreateClient(PlatformFactory.Author);

        using var response = await PostAsync(client, $"m-down-{Guid.NewGuid():N}", "replies-somewhere");
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string requestId, string exchange) =>
        client.PostAsync("/api/jobs/order_stats_30d/requests", new StringContent(
            JsonSerializer.Serialize(new { key = "u-reply", requestId, reply = new { exchange, routingKey = "caller.u" } }), Encoding.UTF8, "application/json"));
}
