using System.Diagnostics;
using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Start-up of the event center (as production builds it) on librdkafka's mock cluster: existing topics are taken
/// with any partition count; a topic that cannot be created fails start-up quickly with an error naming the topic
/// and the cause.
/// </summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class KafkaTopicStartupTests(KafkaFixture kafka)
{
    [Fact]
    public async Task An_existing_one_partition_topic_is_taken_as_it_is_and_ingested()
    {
        var topic = kafka.CreateTopic(partitions: 1, prefix: "cdc");
        await using var center = new EventCenterHost(Settings(topic, createTopics: true));
        await center.Host.StartAsync();
        await center.Services.GetRequiredService<EventCenterStartup>().Ready;
        var bus = center.Services.GetRequiredService<IMessageBus>();
        Assert.Equal(1, await bus.GetPartitionCountAsync(topic));

        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, [.. Enumerable.Range(0, 30).Select(i => new OutgoingMessage(
                Encoding.UTF8.GetBytes($"u{i % 3}"),
                Encoding.UTF8.GetBytes($$"""{"oid":"o{{i}}","user_id":"u{{i % 3}}","t":{{(t0 + i).ToString(CultureInfo.InvariantCulture)}}}""")))]);
        }
        var counters = center.Services.GetRequiredService<IngestCounters>();
        var watermarks = center.Services.GetRequiredService<IWatermarkStore>();
        await Poll.UntilAsync(async () => counters.Written == 30 && await watermarks.GetOffsetAsync("orders", topic, 0) == 30, "30 events stored from the 1-partition topic");
        // The JSON source allows 1 s of out-of-orderness: the mark sits 1 s below the data until the partition is idle.
        Assert.True(await watermarks.GetEventTimeAsync("orders") >= t0 + 29 - 1000);
    }

    [Fact]
    public async Task A_missing_topic_on_a_cluster_that_does_not_answer_CreateTopics_fails_start_up_within_seconds_naming_it()
    {
        var topic = "missing-" + KafkaFixture.NewGroupId();
        var settings = Settings(topic, createTopics: true);
        settings["EventCenter:Bus:TopicCreateTimeout"] = "00:00:02";
        await using var center = new EventCenterHost(settings);
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TopicUnavailableException>(() => center.Host.StartAsync());
        watch.Stop();

        Assert.Equal(topic, error.Topic);
        Assert.Contains($"'{topic}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did not answer CreateTopics within 2 s", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"start-up failed after {watch.Elapsed}");
        await Assert.ThrowsAsync<TopicUnavailableException>(() => center.Services.GetRequiredService<EventCenterStartup>().Ready);
    }

    [Fact]
    public async Task A_missing_topic_the_platform_may_not_create_fails_start_up_naming_it_and_the_reason()
    {
        var topic = "missing-" + KafkaFixture.NewGroupId();
        await using var center = new EventCenterHost(Settings(topic, createTopics: false));
        var error = await Assert.ThrowsAsync<TopicUnavailableException>(() => center.Host.StartAsync());
        Assert.Equal(topic, error.Topic);
        Assert.Contains("does not exist and KafkaBusOptions.CreateTopics (EventCenter:Bus:CreateTopics) is off", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings(string topic, bool createTopics) => new()
    {
        ["EventCenter:Bus:Kind"] = "Kafka",
        ["EventCenter:Bus:BootstrapServers"] = kafka.BootstrapServers,
        ["EventCenter:Bus:CreateTopics"] = createTopics ? "true" : "false",
        ["EventCenter:Bus:ReplicationFactor"] = "1",
        ["EventCenter:Bus:SessionTimeout"] = "00:00:06",
        ["EventCenter:TopicPartitions"] = "8",
        ["EventCenter:Ingest:GroupId"] = KafkaFixture.NewGroupId(),
        ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.050",
        ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
        ["EventCenter:Sources:0:Name"] = "orders",
        ["EventCenter:Sources:0:Topics:0"] = topic,
        ["EventCenter:Sources:0:KeyFields:0"] = "user_id",
        ["EventCenter:Sources:0:TimeField"] = "t",
        ["EventCenter:Sources:0:IdField"] = "oid",
    };
}
