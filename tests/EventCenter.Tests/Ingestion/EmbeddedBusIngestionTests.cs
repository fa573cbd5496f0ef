using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

public sealed class EmbeddedBusIngestionTests : IngestionEndToEndTests
{
    protected override IMessageBus OpenBus() =>
        new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("ingest-bus")) });

    protected override async Task<string> NewTopicAsync(IMessageBus bus, int partitions)
    {
        var topic = UniqueName.For("topic");
        await bus.CreateTopicAsync(topic, partitions);
        return topic;
    }
}
