using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using FeaturePlatform.Runtime.Adapters.RabbitMq;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>The RabbitMQ output across a broker restart, on a private node (the shared one is never restarted).</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqOutputRestartTests : IAsyncLifetime
{
    private RabbitMqServer server = null!;

    public async Task InitializeAsync() => server = await RabbitMqServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_broker_restart_mid_stream_loses_no_confirmed_result()
    {
        var (exchange, queue) = await RabbitMqOutputTests.DeclareAsync(server);
        var job = UniqueName.For("job");
        var written = new List<string>();
        using var stop = new CancellationTokenSource();
        await using var output = new RabbitMqOutput(RabbitMqOutputTests.Options(server, exchange));

        var writer = Task.Run(async () =>
        {
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                var results = OutputTestData.Many(job, 50, keys: 20, startAt: batch * 50);
                await output.WriteAsync(results, CancellationToken.None); // completes only once confirmed
                lock (written)
                {
                    written.AddRange(results.Select(r => r.ResultId));
                }
            }
        });

        int Written()
        {
            lock (written)
            {
                return written.Count;
            }
        }

        try
        {
            await WaitUntilAsync(() => Written() >= 500 || writer.IsCompleted, "500 results written before the restart");
            await server.RestartAsync(); // graceful stop (SIGTERM), start again on the same data
            var afterRestart = Written();
            await WaitUntilAsync(() => (output.Reconnects >= 1 && Written() >= afterRestart + 500) || writer.IsCompleted, "the output reconnected and wrote 500 more");
        }
        finally
        {
            await stop.CancelAsync();
        }
        await writer; // surfaces a write that failed

        Assert.True(output.Reconnects >= 1, "the output never saw the restart");
        var received = (await RabbitMqOutputTests.DrainAsync(server, queue)).Select(m => m.BasicProperties.MessageId!).ToList();
        var missing = written.Except(received).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {written.Count} confirmed results lost, e.g. {string.Join(", ", missing.Take(5))}\n{server.TailLog()}");
        // Re-published batches may arrive twice; consumers de-duplicate by message_id, which leaves exactly the written set.
        Assert.Equal(written.Order(StringComparer.Ordinal), received.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task While_the_broker_is_down_writes_fail_after_the_retry_timeout_or_on_cancellation_then_recover()
    {
        var (exchange, queue) = await RabbitMqOutputTests.DeclareAsync(server);
        var job = UniqueName.For("job");
        await using var output = new RabbitMqOutput(RabbitMqOutputTests.Options(server, exchange) with { RetryTimeout = TimeSpan.FromSeconds(2) });
        await output.WriteAsync(OutputTestData.Many(job, 10), CancellationToken.None);
        await server.StopAsync();

        var started = DateTime.UtcNow;
        var timeout = await Assert.ThrowsAsync<TimeoutException>(async () => await output.WriteAsync(OutputTestData.Many(job, 10, startAt: 10), CancellationToken.None));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.NotNull(timeout.InnerException);

        await using (var patient = new RabbitMqOutput(RabbitMqOutputTests.Options(server, exchange)))
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await patient.WriteAsync(OutputTestData.Many(job, 10, startAt: 10), cancel.Token));
        }

        await server.StartAgainAsync();
        await output.WriteAsync(OutputTestData.Many(job, 10, startAt: 20), CancellationToken.None);
        var received = (await RabbitMqOutputTests.DrainAsync(server, queue)).Select(m => m.BasicProperties.MessageId!).ToHashSet();
        Assert.Superset(OutputTestData.Many(job, 10).Concat(OutputTestData.Many(job, 10, startAt: 20)).Select(r => r.ResultId).ToHashSet(), received);
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.\n{server.TailLog()}");
            }
            await Task.Delay(20);
        }
    }
}
