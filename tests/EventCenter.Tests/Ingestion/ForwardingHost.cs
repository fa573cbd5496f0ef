using System.Globalization;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// The event center as production builds it (<see cref="EventCenterServices.AddEventCenter(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/> from configuration),
/// with one JSON source fed by a RabbitMQ queue: forwarder → embedded bus → ingest worker → stores. The bus is
/// wrapped so a test can take it down (produces fail) and bring it back.
/// </summary>
internal sealed class ForwardingHost : IAsyncDisposable
{
    private readonly IHost host;
    private readonly string directory;

    private ForwardingHost(IHost host, string directory, OutageBus bus, string source, string queue)
    {
        this.host = host;
        this.directory = directory;
        Bus = bus;
        Source = source;
        Queue = queue;
    }

    public OutageBus Bus { get; }

    public string Source { get; }

    public string Queue { get; }

    public IEventReader Events => host.Services.GetRequiredService<IEventReader>();

    public IDeadLetterReader DeadLetters => host.Services.GetRequiredService<IDeadLetterReader>();

    public IngestionProgress Progress => host.Services.GetRequiredService<IngestionProgress>();

    public IngestCounters Counters => host.Services.GetRequiredService<IngestCounters>();

    public static async Task<ForwardingHost> StartAsync(RabbitMqServer rabbit, string queue, int maxMessageBytes = 1024 * 1024)
    {
        var directory = Path.Combine(Path.GetTempPath(), UniqueName.For("fwd-host"));
        var source = "devices-" + queue;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventCenter:DataDirectory"] = directory,
            ["EventCenter:RabbitMqUri"] = rabbit.ConnectionString,
            ["EventCenter:TopicPartitions"] = "8",
            ["EventCenter:ProgressGrace"] = "00:00:01",
            ["EventCenter:CorrectionInterval"] = "00:00:00",
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.050",
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
            ["EventCenter:Ingest:RetryDelay"] = "00:00:00.050",
            ["EventCenter:Sources:0:Name"] = source,
            ["EventCenter:Sources:0:Format"] = "Json",
            ["EventCenter:Sources:0:KeyFields:0"] = "entity",
            ["EventCenter:Sources:0:Topics:0"] = source,
            ["EventCenter:Sources:0:RabbitQueue"] = queue,
            ["EventCenter:Sources:0:MaxMessageBytes"] = maxMessageBytes.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddEventCenter(builder.Configuration);
        var bus = new OutageBus(new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(directory, "bus") }));
        builder.Services.AddSingleton<IMessageBus>(bus);
        var host = builder.Build();
        await host.StartAsync();
        return new ForwardingHost(host, directory, bus, source, queue);
    }

    public async Task<List<FeaturePlatform.EventCenter.Events.ChangeEvent>> StoredAsync() => await Events.ReplayAsync(Source, 0, long.MaxValue).ToListAsync();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        await Bus.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A bus whose producers fail (transiently, like an unreachable broker) while <see cref="Down"/> is set.</summary>
internal sealed class OutageBus(IMessageBus inner) : IMessageBus
{
    private volatile bool down;

    public bool Down
    {
        get => down;
        set => down = value;
    }

    public ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(topic, partitions, cancellationToken);

    public ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default) => inner.GetPartitionCountAsync(topic, cancellationToken);

    public ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default) => inner.GetEndOffsetsAsync(topic, cancellationToken);

    public IBusProducer CreateProducer() => new Producer(inner.CreateProducer(), this);

    public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics) => inner.CreateConsumer(groupId, topics);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Producer(IBusProducer inner, OutageBus owner) : IBusProducer
    {
        public ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            owner.Down ? throw new IOException($"bus unavailable (forced outage) for topic '{topic}'") : inner.ProduceAsync(topic, messages, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
