using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>
/// One event center shared by several runtime processes: hot and cold stores on the HBase Thrift fixture server in
/// two fresh namespaces, every table the event center and runtime use created through the server's admin path (as
/// an operator would), and the configuration a FeatureApi process needs to use them.
/// </summary>
internal sealed class SharedHBasePlatform
{
    private SharedHBasePlatform(HBaseThriftServer server, string hotNamespace, string coldNamespace)
    {
        Server = server;
        HotNamespace = hotNamespace;
        ColdNamespace = coldNamespace;
    }

    public HBaseThriftServer Server { get; }

    public string HotNamespace { get; }

    public string ColdNamespace { get; }

    public static async Task<SharedHBasePlatform> CreateAsync(HBaseThriftServer server)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var platform = new SharedHBasePlatform(server, $"hot{id}", $"cold{id}");
        var hot = new SpecRecorder();
        var cold = new SpecRecorder();
        await new TieredEventStore(hot, cold).EnsureTablesAsync();
        await new WatermarkStore(hot).EnsureTableAsync();
        await new TableDeadLetterStore(hot).EnsureTableAsync();
        await new FeaturePlatform.EventCenter.MetadataStore.WideTableMetadataStore(hot).EnsureAsync();
        await new JobErrorLog(hot).EnsureTableAsync();
        await new FeatureStore(hot).EnsureTableAsync();
        await new ParameterStore(hot, _ => null).EnsureTableAsync();
        await new JobSwitchStore(hot).EnsureTableAsync();
        await new JobVersionLog(hot).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Jobs.Publishing.JobVersionStore(hot).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Models.ModelRegistry(hot, Path.GetTempPath(), 1).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Quarantine.QuarantineLog(hot).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Calls.CallLedger(hot, TimeSpan.FromMinutes(5)).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Repair.ResultLog(hot, new FeaturePlatform.Runtime.Repair.RepairSettings(), TimeProvider.System).EnsureTableAsync();
        await new FeaturePlatform.Runtime.Repair.ReadIndex(hot, new FeaturePlatform.Runtime.Repair.RepairSettings(), TimeProvider.System).EnsureTableAsync();
        // The API's own tables (FeatureApi's AuditLog and ProposalStore; this project does not reference FeatureApi).
        await hot.EnsureTableAsync(new TableSpec(new TableName(null, "api_audit"), [new FamilySpec("a")]));
        await hot.EnsureTableAsync(new TableSpec(new TableName(null, "api_parameter_proposals"), [new FamilySpec("p")]));
        foreach (var (recorder, ns) in new[] { (hot, platform.HotNamespace), (cold, platform.ColdNamespace) })
        {
            foreach (var spec in recorder.Specs)
            {
                await server.CreateTableAsync(new HBaseTableSpec(new TableName(spec.Name.Namespace ?? ns, spec.Name.Name).Qualified,
                    [.. spec.Families.Select(f => new HBaseFamilySpec(f.Name, f.MaxVersions, f.TimeToLive))]));
            }
        }
        return platform;
    }

    /// <summary>A client of the hot store, as the runtime processes open it.</summary>
    public HBaseWideTableStore OpenHot() => new(Options(HotNamespace));

    /// <summary>Configuration of a FeatureApi process on this platform.</summary>
    public Dictionary<string, string> Configuration() => new()
    {
        ["EventCenter:Hot:Kind"] = "HBase",
        ["EventCenter:Hot:HBase:Port"] = Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EventCenter:Hot:HBase:Namespace"] = HotNamespace,
        ["EventCenter:Cold:Kind"] = "HBase",
        ["EventCenter:Cold:HBase:Port"] = Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EventCenter:Cold:HBase:Namespace"] = ColdNamespace,
    };

    /// <summary>
    /// Configuration of a FeatureApi process on this platform that ingests <paramref name="topic"/> (on the Kafka mock
    /// <paramref name="kafka"/>) as the JSON source <c>orders</c> (key <c>user_id</c>, time <c>t</c>, id <c>oid</c>) in
    /// the ingest group <c>{groupPrefix}-ingest</c> and runs the jobs of <paramref name="jobsDirectory"/> live in small
    /// batches; a 6 s Kafka session, so a dead host's partitions move quickly. <paramref name="extra"/> is applied last.
    /// </summary>
    public Dictionary<string, string> OrdersOnKafka(KafkaFixture kafka, string topic, int partitions, string groupPrefix, string jobsDirectory,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var configuration = Configuration();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["EventCenter:Bus:Kind"] = "Kafka",
            ["EventCenter:Bus:BootstrapServers"] = kafka.BootstrapServers,
            ["EventCenter:Bus:CreateTopics"] = "false",
            ["EventCenter:TopicPartitions"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventCenter:Bus:SessionTimeout"] = "00:00:06",
            ["EventCenter:Ingest:GroupId"] = KafkaFixture.NewGroupId(groupPrefix + "-ingest"),
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
            ["EventCenter:Sources:0:Name"] = "orders",
            ["EventCenter:Sources:0:Format"] = "Json",
            ["EventCenter:Sources:0:KeyFields:0"] = "user_id",
            ["EventCenter:Sources:0:TimeField"] = "t",
            ["EventCenter:Sources:0:IdField"] = "oid",
            ["EventCenter:Sources:0:Topics:0"] = topic,
            ["Runtime:JobsDirectory"] = jobsDirectory,
            ["Runtime:Live:MaxBatchMessages"] = "10",
            ["Runtime:Live:MaxBatchWait"] = "00:00:00.020",
            ["Logging:LogLevel:Default"] = "Information",
        }.Concat(extra ?? new Dictionary<string, string>()))
        {
            configuration[key] = value;
        }
        return configuration;
    }

    /// <summary>
    /// The call topic and group (<paramref name="callPartitions"/> partitions) and the replay-shard topics and group, made
    /// fresh on <paramref name="kafka"/> with names starting <paramref name="prefix"/>: what hosts that take calls and
    /// replay shards from each other need (add to <see cref="OrdersOnKafka"/>'s extra keys).
    /// </summary>
    public static Dictionary<string, string> CallsAndShards(KafkaFixture kafka, string prefix, int callPartitions) => new()
    {
        ["Runtime:Calls:Topic"] = kafka.CreateTopic(callPartitions, prefix + "-calls"),
        ["Runtime:Calls:Partitions"] = callPartitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Runtime:Calls:GroupId"] = KafkaFixture.NewGroupId(prefix + "-calls"),
        ["Runtime:ReplayWorker:ShardsTopic"] = kafka.CreateTopic(2, prefix + "-shards"),
        ["Runtime:ReplayWorker:ResultsTopic"] = kafka.CreateTopic(2, prefix + "-shard-results"),
        ["Runtime:ReplayWorker:GroupId"] = KafkaFixture.NewGroupId(prefix + "-replay"),
    };

    private HBaseOptions Options(string ns) => new() { Port = Server.Port, Namespace = ns, ReadTimeout = TimeSpan.FromSeconds(20) };

    /// <summary>Records the table specs stores ensure; serves nothing else.</summary>
    private sealed class SpecRecorder : IWideTableStore
    {
        public List<TableSpec> Specs { get; } = [];

        public ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
        {
            Specs.Add(spec);
            return ValueTask.CompletedTask;
        }

        public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
