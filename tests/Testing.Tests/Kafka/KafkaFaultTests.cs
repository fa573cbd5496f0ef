using System.Text.Json;
using Confluent.Kafka;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Testing.Tests.Kafka;

[Collection(KafkaFixture.CollectionName)]
public sealed class KafkaFaultTests(KafkaFixture kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Produce_to_a_down_broker_stalls_and_completes_after_it_is_up()
    {
        const int perPartition = 10;
        // The mock places leaders at random: use a topic whose partitions have at least two leaders, and take down
        // the leader of partition 0, so some partitions stall and some stay healthy.
        var topic = kafka.CreateTopic(partitions: 6);
        var leaders = PartitionLeaders(topic);
        for (var attempt = 0; leaders.Values.Distinct().Count() < 2 && attempt < 10; attempt++)
        {
            topic = kafka.CreateTopic(partitions: 6);
            leaders = PartitionLeaders(topic);
        }
        var downBroker = leaders[0];
        var stalled = leaders.Where(l => l.Value == downBroker).Select(l => l.Key).ToList();
        var healthy = leaders.Where(l => l.Value != downBroker).Select(l => l.Key).ToList();
        Assert.NotEmpty(stalled);
        Assert.NotEmpty(healthy);

        using var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build();
        // Warm up: the producer is connected to every broker and has its producer id before the outage.
        foreach (var p in leaders.Keys)
        {
            await producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = "warm", Value = $"warm-{p}" });
        }

        kafka.Cluster.TakeBrokerDown(downBroker);
        Task<DeliveryResult<string, string>>[] toStalled, toHealthy;
        try
        {
            toStalled = Produce(producer, topic, stalled, perPartition, "down");
            toHealthy = Produce(producer, topic, healthy, perPartition, "down");
            await Task.WhenAll(toHealthy).WaitAsync(Timeout);
            Assert.All(toStalled, t => Assert.False(t.IsCompleted, "a partition led by the down broker accepted a message"));
        }
        finally
        {
            kafka.Cluster.BringBrokerUp(downBroker);
        }

        var afterOutage = await Task.WhenAll(toStalled).WaitAsync(Timeout);
        Assert.All(afterOutage, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        var afterUp = await Task.WhenAll(Produce(producer, topic, leaders.Keys, perPartition, "up")).WaitAsync(Timeout);
        Assert.All(afterUp, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));

        // Every message is stored. The mock de-duplicates only for transactional producers, so a retried batch may
        // appear twice: assert presence (and per-partition order of first appearances), not exactly-once.
        var expected = leaders.Count + (stalled.Count + healthy.Count) * perPartition + leaders.Count * perPartition;
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(KafkaFixture.NewGroupId())).Build();
        consumer.Subscribe(topic);
        var consumed = KafkaConsume.Exactly(consumer, expected, Timeout);
        consumed.AddRange(KafkaConsume.UntilQuiet(consumer, TimeSpan.FromMilliseconds(500), Timeout));
        consumer.Close();
        var values = consumed.Select(r => r.Message.Value).ToHashSet();
        Assert.Equal(expected, values.Count);
        foreach (var partition in consumed.GroupBy(r => r.Partition.Value))
        {
            var firstSeen = partition.Select(r => r.Message.Value).Where(v => !v.StartsWith("warm", StringComparison.Ordinal)).Distinct().ToList();
            var phaseOrder = firstSeen.Select(v => v.StartsWith("down", StringComparison.Ordinal) ? 0 : 1).ToList();
            Assert.Equal(phaseOrder.Order(), phaseOrder);
        }
    }

    [Fact]
    public async Task Retriable_produce_errors_are_retried_by_the_producer()
    {
        var topic = kafka.CreateTopic(partitions: 1);
        var produceRequests = 0L;
        var config = kafka.ProducerConfig();
        config.StatisticsIntervalMs = 100;
        using var producer = new ProducerBuilder<string, string>(config)
            .SetStatisticsHandler((_, json) => Interlocked.Exchange(ref produceRequests, SumProduceRequests(json)))
            .Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "before" });

        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce,
            ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicasAfterAppend);
        try
        {
            var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "after" }).WaitAsync(Timeout);
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            // 1 request for "before", 3 rejected attempts and the accepted one for "after": without retries there would be 2.
            Assert.True(await KafkaConsume.WaitUntilAsync(() => Interlocked.Read(ref produceRequests) >= 5, TimeSpan.FromSeconds(10)),
                $"expected >= 5 Produce requests in the statistics, saw {Interlocked.Read(ref produceRequests)}");
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }

        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(KafkaFixture.NewGroupId())).Build();
        consumer.Subscribe(topic);
        var consumed = KafkaConsume.Exactly(consumer, 2, Timeout);
        consumer.Close();
        Assert.Equal(["before", "after"], consumed.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task A_non_retriable_injected_error_fails_the_delivery()
    {
        // Control for the retry test: injected errors do reach the client.
        var topic = kafka.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig(idempotent: false)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "warm" });
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        try
        {
            var e = await Assert.ThrowsAsync<ProduceException<string, string>>(
                () => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "x" }).WaitAsync(Timeout));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, e.Error.Code);
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }

    private static Task<DeliveryResult<string, string>>[] Produce(
        IProducer<string, string> producer, string topic, IEnumerable<int> partitions, int perPartition, string phase) =>
        [.. partitions.SelectMany(p => Enumerable.Range(0, perPartition).Select(i =>
            producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = $"p{p}", Value = $"{phase}-{p}-{i}" })))];

    private Dictionary<int, int> PartitionLeaders(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return metadata.Topics.Single().Partitions.ToDictionary(p => p.PartitionId, p => p.Leader);
    }

    private static long SumProduceRequests(string statisticsJson)
    {
        using var doc = JsonDocument.Parse(statisticsJson);
        return doc.RootElement.GetProperty("brokers").EnumerateObject()
            .Sum(b => b.Value.TryGetProperty("req", out var req) && req.TryGetProperty("Produce", out var n) ? n.GetInt64() : 0);
    }
}
