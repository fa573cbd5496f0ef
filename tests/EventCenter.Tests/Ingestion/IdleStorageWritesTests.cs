using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// The whole event center as production builds it (<see cref="EventCenterServices.AddEventCenter"/>, embedded
/// stores and bus, ingest workers running), with both stores wrapped in counters: once traffic stops and the
/// idle partitions' watermarks have started following the clock, many idle rounds do no storage call at all,
/// while the watermark read back keeps following the clock.
/// </summary>
public sealed class IdleStorageWritesTests : IAsyncDisposable
{
    private const int Partitions = 4;
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("idle-writes"));
    private CountingWideTableStore? hot;
    private CountingWideTableStore? cold;

    [Fact]
    public async Task An_idle_platform_does_no_storage_writes_and_its_watermarks_still_follow_the_clock()
    {
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            var services = host.Services;
            await services.GetRequiredService<EventCenterStartup>().Ready;
            var bus = services.GetRequiredService<IMessageBus>();
            var watermarks = services.GetRequiredService<IWatermarkStore>();
            var counters = services.GetRequiredService<IngestCounters>();

            // Traffic: 200 events over every partition; the watermark advances with it.
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await using (var producer = bus.CreateProducer())
            {
                var messages = Enumerable.Range(0, 200).Select(i => new OutgoingMessage(
                    Encoding.UTF8.GetBytes($"u{i % 20}"),
                    Encoding.UTF8.GetBytes($$"""{"oid":"o{{i}}","user_id":"u{{i % 20}}","t":{{(t0 + i).ToString(CultureInfo.InvariantCulture)}}}"""))).ToList();
                await producer.ProduceAsync("orders", messages);
            }
            await WaitUntilAsync(async () => counters.Written == 200 && await watermarks.GetEventTimeAsync("orders") >= t0 + 199, "the traffic is stored and the watermark passed it");

            // Traffic stopped: the idle partitions' marks start following the clock (a change, written once).
            var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await WaitUntilAsync(async () => await watermarks.GetEventTimeAsync("orders") >= stoppedAt, "the idle watermark follows the clock");
            var writesBefore = hot!.Writes + cold!.Writes;
            var readsBefore = hot.Count(StoreCall.Get, "watermarks") + hot.Count(StoreCall.Scan, "watermarks");
            var roundsBefore = counters.IdleRounds;
            var watermarkBefore = (await watermarks.GetEventTimeAsync("orders"))!.Value;
            var writesDuringIdle = 0L;

            // Idle: many idle rounds (each partition idle well past IdlePartitionTimeout), the watermark keeps moving.
            await WaitUntilAsync(
                async () => counters.IdleRounds >= roundsBefore + 40
                    && await watermarks.GetEventTimeAsync("orders") >= watermarkBefore + 1_500,
                "40 idle rounds and 1.5 s of watermark progress");
            writesDuringIdle = hot.Writes + cold.Writes - writesBefore;
            var readsDuringIdle = hot.Count(StoreCall.Get, "watermarks") + hot.Count(StoreCall.Scan, "watermarks") - readsBefore;

            Assert.True(writesDuringIdle == 0, $"{writesDuringIdle} storage writes while idle; counts: hot [{hot.Describe()}] cold [{cold.Describe()}]");
            // The watermark reads above are this test's own (GetEventTimeAsync); the workers read nothing per round.
            Assert.True(readsDuringIdle <= counters.IdleRounds - roundsBefore, $"{readsDuringIdle} watermark reads in {counters.IdleRounds - roundsBefore} idle rounds");
            Assert.Equal(0, counters.LateEvents);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventCenter:DataDirectory"] = directory,
            ["EventCenter:TopicPartitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["EventCenter:IngestWorkers"] = "2",
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
            ["EventCenter:Ingest:IdleWatermarkLag"] = "00:00:00.100",
            ["EventCenter:Sources:0:Name"] = "orders",
            ["EventCenter:Sources:0:Format"] = "Json",
            ["EventCenter:Sources:0:KeyFields:0"] = "user_id",
            ["EventCenter:Sources:0:TimeField"] = "t",
            ["EventCenter:Sources:0:IdField"] = "oid",
        });
        builder.Services.AddEventCenter(builder.Configuration);
        Decorate(builder.Services, StoreRole.Hot, store => hot = new CountingWideTableStore(store));
        Decorate(builder.Services, StoreRole.Cold, store => cold = new CountingWideTableStore(store));
        return builder.Build();
    }

    /// <summary>Replaces the production registration of a keyed store with a counter around what it builds.</summary>
    private static void Decorate(IServiceCollection services, string key, Func<IWideTableStore, CountingWideTableStore> wrap)
    {
        var original = services.Single(d => d.ServiceType == typeof(IWideTableStore) && Equals(d.ServiceKey, key));
        var factory = original.KeyedImplementationFactory!;
        services.Remove(original);
        services.AddKeyedSingleton<IWideTableStore>(key, (sp, k) => wrap((IWideTableStore)factory(sp, k)));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(20);
        }
    }
}
