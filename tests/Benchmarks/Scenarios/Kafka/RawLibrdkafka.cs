using System.Runtime.InteropServices;

namespace FeaturePlatform.Benchmarks.Scenarios.Kafka;

/// <summary>
/// Direct P/Invoke to librdkafka (the baseline: no managed client in between), by the name Confluent.Kafka uses so
/// that both sides of the comparison run the same library file.
/// </summary>
internal static unsafe partial class RawLibrdkafka
{
    private const string Library = "librdkafka";

    public const int Producer = 0;
    public const int Consumer = 1;
    public const int PartitionUnassigned = -1;
    public const int MsgFlagCopy = 0x2;
    public const int ErrQueueFull = -184;
    public const long OffsetBeginning = -2;

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_dr_msg_cb(IntPtr conf, delegate* unmanaged<IntPtr, IntPtr, IntPtr, void> callback);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_topic_new(IntPtr rk, string topic, IntPtr conf);

    [LibraryImport(Library)]
    public static partial void rd_kafka_topic_destroy(IntPtr rkt);

    [LibraryImport(Library)]
    public static partial int rd_kafka_produce(IntPtr rkt, int partition, int msgflags, byte* payload, nuint len, byte* key, nuint keylen, IntPtr msgOpaque);

    [LibraryImport(Library)]
    public static partial int rd_kafka_last_error();

    [LibraryImport(Library)]
    public static partial int rd_kafka_poll(IntPtr rk, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_flush(IntPtr rk, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_poll_set_consumer(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_topic_partition_list_new(int size);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_topic_partition_list_add(IntPtr list, string topic, int partition);

    [LibraryImport(Library)]
    public static partial void rd_kafka_topic_partition_list_destroy(IntPtr list);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_topic_partition_list_set_offset(IntPtr list, string topic, int partition, long offset);

    [LibraryImport(Library)]
    public static partial int rd_kafka_assign(IntPtr rk, IntPtr partitions);

    /// <summary>Returns an rd_kafka_message_t* (its first field is the int error code) or null.</summary>
    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_consumer_poll(IntPtr rk, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_message_destroy(IntPtr message);

    [LibraryImport(Library)]
    public static partial int rd_kafka_consumer_close(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_err2str(int err);

    /// <summary>Creates a handle of <paramref name="type"/> from string settings; the optional callback reports deliveries.</summary>
    public static IntPtr Create(int type, IReadOnlyDictionary<string, string> settings, delegate* unmanaged<IntPtr, IntPtr, IntPtr, void> deliveryCallback = null)
    {
        var errstr = stackalloc byte[512];
        var conf = rd_kafka_conf_new();
        foreach (var (name, value) in settings)
        {
            if (rd_kafka_conf_set(conf, name, value, errstr, 512) != 0)
            {
                rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"{name}={value}: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
            }
        }
        if (deliveryCallback != null)
        {
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryCallback);
        }
        var rk = rd_kafka_new(type, conf, errstr, 512);
        if (rk == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_new: " + Marshal.PtrToStringUTF8((IntPtr)errstr));
        }
        return rk;
    }

    public static string Describe(int err) => $"{err} ({Marshal.PtrToStringUTF8(rd_kafka_err2str(err))})";
}
