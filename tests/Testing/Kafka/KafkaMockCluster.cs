using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace FeaturePlatform.Testing.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster: real Kafka-protocol brokers listening on loopback TCP ports, usable by
/// any client in any process through <see cref="BootstrapServers"/>. Broker ids are 1..<see cref="BrokerCount"/>.
/// </summary>
/// <remarks>
/// Mock limits (see DEPENDENCIES.md): each partition keeps only ~100k messages / ~5 MiB; topics must be made
/// with <see cref="CreateTopic"/> (the CreateTopics admin request hangs; unknown topics auto-create with 4
/// partitions); no leader fail-over — partitions led by a down broker stall until it is up again.
/// Methods may be called from any thread (they post to the mock cluster's own thread), but not concurrently with
/// <see cref="Dispose"/>.
/// </remarks>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly Lock gate = new();
    private IntPtr handle;
    private IntPtr cluster;

    private KafkaMockCluster(IntPtr handle, IntPtr cluster, int brokerCount, string bootstrapServers)
    {
        this.handle = handle;
        this.cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Comma-separated host:port list of the brokers, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers (ids 1..BrokerCount).</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public static KafkaMockCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var errstr = new byte[512];
        var conf = MockNative.rd_kafka_conf_new();
        // The hosting handle never talks to a broker; keep its logging quiet.
        if (MockNative.rd_kafka_conf_set(conf, "log_level", "3", errstr, (nuint)errstr.Length) != 0)
        {
            MockNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_conf_set failed: " + MockNative.ErrorText(errstr));
        }
        var rk = MockNative.rd_kafka_new(MockNative.ProducerType, conf, errstr, (nuint)errstr.Length);
        if (rk == IntPtr.Zero)
        {
            MockNative.rd_kafka_conf_destroy(conf); // rd_kafka_new takes the conf only on success
            throw new InvalidOperationException("rd_kafka_new failed: " + MockNative.ErrorText(errstr));
        }
        var mc = MockNative.rd_kafka_mock_cluster_new(rk, brokers);
        if (mc == IntPtr.Zero)
        {
            MockNative.rd_kafka_destroy(rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed (see librdkafka's log on stderr).");
        }
        var bootstraps = Marshal.PtrToStringUTF8(MockNative.rd_kafka_mock_cluster_bootstraps(mc)) ?? "";
        return new KafkaMockCluster(rk, mc, brokers, bootstraps);
    }

    /// <summary>Creates <paramref name="name"/> with <paramref name="partitions"/> partitions.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        Check(MockNative.rd_kafka_mock_topic_create(Cluster, name, partitions, replicationFactor), $"create topic {name}");
    }

    /// <summary>Takes broker <paramref name="brokerId"/> down: its listener closes and connections drop.</summary>
    public void TakeBrokerDown(int brokerId) =>
        Check(MockNative.rd_kafka_mock_broker_set_down(Cluster, CheckBroker(brokerId)), $"set broker {brokerId} down");

    /// <summary>Brings broker <paramref name="brokerId"/> back up.</summary>
    public void BringBrokerUp(int brokerId) =>
        Check(MockNative.rd_kafka_mock_broker_set_up(Cluster, CheckBroker(brokerId)), $"set broker {brokerId} up");

    /// <summary>
    /// Makes broker <paramref name="brokerId"/> the coordinator of consumer group <paramref name="groupId"/>. Kafka moves a
    /// group's coordinator with the leader of its <c>__consumer_offsets</c> partition when that broker fails; the mock
    /// never does, so a test that takes a broker down moves the coordinators as a replicated cluster would.
    /// </summary>
    public void SetGroupCoordinator(string groupId, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        Check(MockNative.rd_kafka_mock_coordinator_set(Cluster, "group", groupId, CheckBroker(brokerId)), $"set the coordinator of {groupId} to broker {brokerId}");
    }

    /// <summary>Delays every response of broker <paramref name="brokerId"/> by <paramref name="rtt"/> (zero to clear).</summary>
    public void SetRtt(int brokerId, TimeSpan rtt) =>
        Check(MockNative.rd_kafka_mock_broker_set_rtt(Cluster, CheckBroker(brokerId), checked((int)rtt.TotalMilliseconds)), $"set broker {brokerId} rtt");

    /// <summary>
    /// Makes the next <paramref name="errorCodes"/>.Length requests of type <paramref name="apiKey"/> (to any
    /// broker) fail with these errors, in order. <see cref="ErrorCode.NoError"/> lets one request through.
    /// </summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errorCodes)
    {
        ArgumentNullException.ThrowIfNull(errorCodes);
        if (errorCodes.Length == 0)
        {
            return;
        }
        var codes = Array.ConvertAll(errorCodes, e => (int)e);
        MockNative.rd_kafka_mock_push_request_errors_array(Cluster, (short)apiKey, (nuint)codes.Length, codes);
    }

    /// <summary>Drops errors pushed for <paramref name="apiKey"/> that no request has consumed yet.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey) => MockNative.rd_kafka_mock_clear_request_errors(Cluster, (short)apiKey);

    /// <summary>Stops the brokers: destroys the mock cluster, then its hosting librdkafka handle.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (cluster != IntPtr.Zero)
            {
                MockNative.rd_kafka_mock_cluster_destroy(cluster);
                cluster = IntPtr.Zero;
            }
            if (handle != IntPtr.Zero)
            {
                MockNative.rd_kafka_destroy(handle);
                handle = IntPtr.Zero;
            }
        }
    }

    private IntPtr Cluster
    {
        get
        {
            var mc = cluster;
            ObjectDisposedException.ThrowIf(mc == IntPtr.Zero, this);
            return mc;
        }
    }

    private int CheckBroker(int brokerId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerId, BrokerCount);
        return brokerId;
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new InvalidOperationException($"Kafka mock: {what} failed: {MockNative.Describe(err)}");
        }
    }
}
