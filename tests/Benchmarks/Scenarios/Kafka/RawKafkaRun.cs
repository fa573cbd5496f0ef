using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FeaturePlatform.Benchmarks.Scenarios.Kafka;

/// <summary>The baseline: the workload through librdkafka's C API (rd_kafka_produce/poll/flush, rd_kafka_consumer_poll).</summary>
internal static unsafe class RawKafkaRun
{
    // Delivery reports arrive on the thread calling rd_kafka_poll/flush (this one); one run at a time.
    private static long delivered;
    private static long failed;
    private static int firstError;

    /// <summary>Produces the workload to <paramref name="topic"/>; returns the time until every delivery report arrived.</summary>
    public static TimeSpan Produce(KafkaWorkload workload, string topic)
    {
        delivered = failed = 0;
        firstError = 0;
        var rk = RawLibrdkafka.Create(RawLibrdkafka.Producer, workload.ProducerSettings, &OnDelivery);
        var rkt = RawLibrdkafka.rd_kafka_topic_new(rk, topic, IntPtr.Zero);
        try
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < workload.Count; i++)
            {
                var key = workload.Key(i);
                var value = workload.Value(i);
                fixed (byte* k = key)
                fixed (byte* v = value)
                {
                    while (RawLibrdkafka.rd_kafka_produce(rkt, RawLibrdkafka.PartitionUnassigned, RawLibrdkafka.MsgFlagCopy,
                        v, (nuint)value.Length, k, (nuint)key.Length, IntPtr.Zero) != 0)
                    {
                        var err = RawLibrdkafka.rd_kafka_last_error();
                        if (err != RawLibrdkafka.ErrQueueFull)
                        {
                            throw new InvalidOperationException("rd_kafka_produce: " + RawLibrdkafka.Describe(err));
                        }
                        RawLibrdkafka.rd_kafka_poll(rk, 100);
                    }
                }
                if ((i & 1023) == 0)
                {
                    RawLibrdkafka.rd_kafka_poll(rk, 0);
                }
            }
            var flush = RawLibrdkafka.rd_kafka_flush(rk, 120_000);
            clock.Stop();
            if (flush != 0 || failed != 0 || delivered != workload.Count)
            {
                throw new InvalidOperationException(
                    $"raw produce: flush {RawLibrdkafka.Describe(flush)}, {delivered} delivered, {failed} failed (first error {RawLibrdkafka.Describe(firstError)}).");
            }
            return clock.Elapsed;
        }
        finally
        {
            RawLibrdkafka.rd_kafka_topic_destroy(rkt);
            RawLibrdkafka.rd_kafka_destroy(rk);
        }
    }

    /// <summary>
    /// Assigns every partition from the beginning (no group join: its ~3 s would dominate) and consumes
    /// <paramref name="count"/> messages; returns the time from the assignment to the last message.
    /// </summary>
    public static TimeSpan Consume(KafkaWorkload workload, string topic, string groupId, int count, TimeSpan timeout)
    {
        var rk = RawLibrdkafka.Create(RawLibrdkafka.Consumer, workload.ConsumerSettings(groupId));
        try
        {
            RawLibrdkafka.rd_kafka_poll_set_consumer(rk);
            var partitions = RawLibrdkafka.rd_kafka_topic_partition_list_new(KafkaWorkload.Partitions);
            for (var p = 0; p < KafkaWorkload.Partitions; p++)
            {
                RawLibrdkafka.rd_kafka_topic_partition_list_add(partitions, topic, p);
                RawLibrdkafka.rd_kafka_topic_partition_list_set_offset(partitions, topic, p, RawLibrdkafka.OffsetBeginning);
            }
            var clock = Stopwatch.StartNew();
            var err = RawLibrdkafka.rd_kafka_assign(rk, partitions);
            RawLibrdkafka.rd_kafka_topic_partition_list_destroy(partitions);
            if (err != 0)
            {
                throw new InvalidOperationException("rd_kafka_assign: " + RawLibrdkafka.Describe(err));
            }
            var received = 0;
            while (received < count)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"raw consume: {received} of {count} messages within {timeout}.");
                }
                var message = RawLibrdkafka.rd_kafka_consumer_poll(rk, 100);
                if (message == IntPtr.Zero)
                {
                    continue;
                }
                var messageError = Unsafe.Read<int>((void*)message);
                RawLibrdkafka.rd_kafka_message_destroy(message);
                if (messageError == 0)
                {
                    received++;
                }
            }
            clock.Stop();
            RawLibrdkafka.rd_kafka_consumer_close(rk);
            return clock.Elapsed;
        }
        finally
        {
            RawLibrdkafka.rd_kafka_destroy(rk);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnDelivery(IntPtr rk, IntPtr message, IntPtr opaque)
    {
        var err = Unsafe.Read<int>((void*)message);
        if (err == 0)
        {
            delivered++;
        }
        else
        {
            failed++;
            if (firstError == 0)
            {
                firstError = err;
            }
        }
    }
}
