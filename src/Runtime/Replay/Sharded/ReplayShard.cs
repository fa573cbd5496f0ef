using System.Text.Json;

namespace FeaturePlatform.Runtime.Replay.Sharded;

/// <summary>
/// One shard of a replay: a job re-run over its trigger sources' events with event time in [From, To), merged in
/// (event time, source position) order.
/// </summary>
/// <param name="RunId">The replay run the shard belongs to.</param>
/// <param name="Index">Position of the shard in the run (0-based).</param>
/// <param name="Count">Shards in the run.</param>
/// <param name="Job">The job to run.</param>
/// <param name="Sources">The trigger sources replayed (all of a multi-trigger job's, merged).</param>
/// <param name="From">Start of the time chunk (inclusive, ms).</param>
/// <param name="To">End of the time chunk (exclusive, ms).</param>
public sealed record ReplayShard(string RunId, int Index, int Count, string Job, IReadOnlyList<string> Sources, long From, long To)
{
    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ShardJson.Options);

    internal static ReplayShard FromJson(byte[] json) => JsonSerializer.Deserialize<ReplayShard>(json, ShardJson.Options)
        ?? throw new JsonException("empty shard descriptor");
}

/// <summary>What a worker reports when it finished a shard.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Index">The shard.</param>
/// <param name="Worker">Which worker ran it.</param>
/// <param name="Events">Events run.</param>
/// <param name="Results">Result rows written.</param>
/// <param name="Failures">Events whose logic failed (error records written).</param>
/// <param name="Error">Why the shard could not run at all (unknown job…), or null.</param>
/// <param name="Partition">
/// The shards-topic partition the worker took the shard from: <see cref="ReplayShardCoordinator.RunAsync"/> deals the
/// run's next shard there, to the worker that has just become free. Null from workers that predate it.
/// </param>
public sealed record ShardCompletion(string RunId, int Index, string Worker, long Events, long Results, long Failures, string? Error, int? Partition = null)
{
    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ShardJson.Options);

    internal static ShardCompletion FromJson(byte[] json) => JsonSerializer.Deserialize<ShardCompletion>(json, ShardJson.Options)
        ?? throw new JsonException("empty shard completion");
}

internal static class ShardJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
