using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Runtime.Adapters.RabbitMq;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Tests.Outputs;

public sealed class OutputFactoryTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("output-factory"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Settings_are_validated_per_kind()
    {
        new JobOutputSettings().Validate();
        new JobOutputSettings { Kind = JobOutputKind.Kafka, Topic = "t" }.Validate();
        new JobOutputSettings { Kind = JobOutputKind.RabbitMq, Exchange = "x" }.Validate();
        new JobOutputSettings { Kind = JobOutputKind.RabbitMq, Exchange = "", RoutingKey = "{job}" }.Validate();
        new JobOutputSettings { Kind = JobOutputKind.EventCenter }.Validate();

        JobOutputSettings[] invalid =
        [
            new() { Kind = JobOutputKind.Kafka },
            new() { Kind = JobOutputKind.Kafka, Topic = " " },
            new() { Kind = JobOutputKind.Kafka, Topic = "t", Exchange = "x" },
            new() { Kind = JobOutputKind.RabbitMq },
            new() { Kind = JobOutputKind.RabbitMq, Exchange = "x", RoutingKey = "" },
            new() { Kind = JobOutputKind.RabbitMq, Exchange = "x", RoutingKey = "{nope}" },
            new() { Kind = JobOutputKind.RabbitMq, Exchange = "x", Topic = "t" },
            new() { Kind = JobOutputKind.FeatureStore, Topic = "t" },
            new() { Kind = JobOutputKind.EventCenter, RoutingKey = "{job}" },
            new() { Kind = (JobOutputKind)42 },
        ];
        Assert.All(invalid, s => Assert.Throws<ArgumentException>(s.Validate));
    }

    [Fact]
    public async Task Creates_each_kind_and_names_a_missing_dependency()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(directory, "store") });
        await using var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(directory, "bus") });
        var features = new FeatureStore(store);
        var factory = new OutputFactory(features, bus, new EventStore(store), new Uri("amqp://guest:guest@127.0.0.1:5672/"));

        var outputs = await factory.CreateAllAsync(
        [
            new() { Kind = JobOutputKind.FeatureStore },
            new() { Kind = JobOutputKind.Kafka, Topic = "features" },
            new() { Kind = JobOutputKind.RabbitMq, Exchange = "results", RoutingKey = "{source}.{key}" },
            new() { Kind = JobOutputKind.EventCenter },
        ]);
        Assert.Same(features, outputs[0]);
        Assert.Equal("features", Assert.IsType<KafkaOutput>(outputs[1]).Topic);
        var rabbit = Assert.IsType<RabbitMqOutput>(outputs[2]);
        Assert.Equal("rabbitmq:results", rabbit.Name);
        Assert.Equal("orders.u1", rabbit.RoutingKeyOf(OutputTestData.Result("j", "u1", 1, "e")));
        Assert.IsType<EventCenterOutput>(outputs[3]);
        foreach (var output in outputs)
        {
            await output.DisposeAsync();
        }

        var bare = new OutputFactory(features);
        Assert.Same(features, bare.Create(new JobOutputSettings()));
        Assert.Contains("message bus", Assert.Throws<InvalidOperationException>(() => bare.Create(new() { Kind = JobOutputKind.Kafka, Topic = "t" })).Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMQ URI", Assert.Throws<InvalidOperationException>(() => bare.Create(new() { Kind = JobOutputKind.RabbitMq, Exchange = "x" })).Message, StringComparison.Ordinal);
        Assert.Contains("event store", Assert.Throws<InvalidOperationException>(() => bare.Create(new() { Kind = JobOutputKind.EventCenter })).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await factory.CreateAllAsync([new() { Kind = JobOutputKind.Kafka, Topic = "t" }, new() { Kind = JobOutputKind.Kafka }]));
    }
}
