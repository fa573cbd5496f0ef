using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>
/// Topic management on Kafka: an existing topic is taken as it is (any partition count: CDC connectors often make
/// topics of 1 partition); a missing one is created with the requested count when <see cref="KafkaBusOptions.CreateTopics"/>
/// is on. Every failure is a <see cref="TopicUnavailableException"/> that names the topic and the cause, and a
/// creation that gets no answer fails after <see cref="KafkaBusOptions.TopicCreateTimeout"/>.
/// </summary>
internal sealed class KafkaTopics(IAdminClient admin, KafkaBusOptions options)
{
    public async ValueTask EnsureAsync(string topic, int partitions, CancellationToken cancellationToken)
    {
        if (await PartitionCountAsync(topic, options.OperationTimeout, cancellationToken) is not null)
        {
            return;
        }
        if (!options.CreateTopics)
        {
            throw new TopicUnavailableException(topic, "it does not exist and KafkaBusOptions.CreateTopics (EventCenter:Bus:CreateTopics) is off; create it on the cluster first");
        }
        var timeout = options.TopicCreateTimeout;
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = options.ReplicationFactor }],
                new CreateTopicsOptions { OperationTimeout = timeout, RequestTimeout = timeout })
                .WaitAsync(timeout + TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Another process created it first.
        }
        catch (CreateTopicsException e)
        {
            var error = e.Results.First(r => r.Error.Code is not (ErrorCode.TopicAlreadyExists or ErrorCode.NoError)).Error;
            throw new TopicUnavailableException(topic, $"the cluster refused to create it ({partitions} partitions, replication factor {options.ReplicationFactor}): {error.Code}: {error.Reason}", e);
        }
        catch (Exception e) when (e is TimeoutException || (e is KafkaException k && k.Error.Code is ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut))
        {
            // Maybe created meanwhile (by another process, or the answer was lost): then it is fine.
            if (await PartitionCountAsync(topic, timeout, cancellationToken) is not null)
            {
                return;
            }
            throw new TopicUnavailableException(topic,
                $"the cluster did not answer CreateTopics within {timeout.TotalSeconds:0.#} s (KafkaBusOptions.TopicCreateTimeout). Some brokers do not implement it (librdkafka's mock cluster); create the topic on the cluster first and turn CreateTopics off",
                e);
        }
        catch (KafkaException e)
        {
            throw new TopicUnavailableException(topic, $"creating it failed: {e.Error.Code}: {e.Error.Reason}", e);
        }
    }

    /// <summary>Partitions of an existing topic, or null when the cluster does not know it.</summary>
    public async ValueTask<int?> PartitionCountAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Metadata of all topics: asking for one topic by name makes brokers with auto-creation create it.
        // librdkafka's metadata call blocks; run it off the caller's thread.
        Metadata metadata;
        try
        {
            metadata = await Task.Run(() => admin.GetMetadata(timeout), cancellationToken);
        }
        catch (KafkaException e)
        {
            throw new TopicUnavailableException(topic, $"could not read the cluster's metadata from {options.BootstrapServers} within {timeout.TotalSeconds:0.#} s: {e.Error.Code}: {e.Error.Reason}", e);
        }
        var t = metadata.Topics.FirstOrDefault(x => x.Topic == topic);
        return t is null || t.Error.Code == ErrorCode.UnknownTopicOrPart || t.Partitions.Count == 0 ? null : t.Partitions.Count;
    }
}
