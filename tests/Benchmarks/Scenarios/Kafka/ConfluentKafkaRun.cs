using System.Diagnostics;
using Confluent.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios.Kafka;

/// <summary>The project's way: the workload through Confluent.Kafka.</summary>
internal static class ConfluentKafkaRun
{
    /// <summary>Produces the workload to <paramref name="topic"/>; returns the time until every delivery report arrived.</summary>
    public static TimeSpan Produce(KafkaWorkload workload, string topic)
    {
        long delivered = 0, failed = 0;
        Error? firstError = null;
        void OnDelivery(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref firstError, report.Error, null);
                Interlocked.Increment(ref failed);
            }
            else
            {
                Interlocked.Increment(ref delivered);
            }
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig(workload.ProducerSettings.ToDictionary())).Build();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < workload.Count; i++)
        {
            var message = new Message<byte[], byte[]> { Key = workload.Key(i), Value = workload.Value(i) };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, OnDelivery);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(100));
                }
            }
        }
        var left = producer.Flush(TimeSpan.FromMinutes(2));
        clock.Stop();
        if (left != 0 || Interlocked.Read(ref failed) != 0 || Interlocked.Read(ref delivered) != workload.Count)
        {
            throw new InvalidOperationException(
                $"Confluent produce: {left} left after flush, {delivered} delivered, {failed} failed (first error {firstError}).");
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Assigns every partition from the beginning (no group join: its ~3 s would dominate) and consumes
    /// <paramref name="count"/> messages; returns the time from the assignment to the last message.
    /// </summary>
    public static TimeSpan Consume(KafkaWorkload workload, string topic, string groupId, int count, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(workload.ConsumerSettings(groupId))).Build();
        var clock = Stopwatch.StartNew();
        consumer.Assign(Enumerable.Range(0, KafkaWorkload.Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var received = 0;
        while (received < count)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Confluent consume: {received} of {count} messages within {timeout}.");
            }
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is not null)
            {
                received++;
            }
        }
        clock.Stop();
        consumer.Close();
        return clock.Elapsed;
    }
}
