using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// Error records of jobs (event, traceback, job version) in a wide table of the event center's storage, newest
/// first per job, plus per-job counts since start.
/// </summary>
public sealed class JobErrorLog(IWideTableStore store, TableName? table = null)
{
    private static readonly byte[] Family = "x"u8.ToArray();
    private static readonly byte[] Record = "record"u8.ToArray();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> counts = new(StringComparer.Ordinal);

    /// <summary>The table. Default: <c>job_errors</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_errors");

    /// <summary>Errors per job since this process started.</summary>
    public IReadOnlyDictionary<string, long> Counts => counts;

    /// <summary>Creates (embedded) or verifies (HBase) the table; records expire after 30 days.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("x", 1, TimeSpan.FromDays(30))]), cancellationToken);

    /// <summary>Stores error records.</summary>
    public async ValueTask WriteAsync(IReadOnlyList<JobError> errors, CancellationToken cancellationToken)
    {
        if (errors.Count == 0)
        {
            return;
        }
        var puts = errors.Select(e => new Put(RowKey(e.Job, e.At, e.Trigger.Source, e.Trigger.EventId),
            [new Cell(Family, Record, e.At, JsonSerializer.SerializeToUtf8Bytes(JobErrorJson.From(e)))])).ToList();
        await store.PutAsync(Table, puts, cancellationToken);
        foreach (var e in errors)
        {
            counts.AddOrUpdate(e.Job, 1, (_, n) => n + 1);
        }
    }

    /// <summary>The most recent error records of <paramref name="job"/>, newest first.</summary>
    public async IAsyncEnumerable<JobErrorJson> RecentAsync(string job, int limit, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = Prefix(job), Limit = limit, PageSize = Math.Min(limit, 256) }, cancellationToken))
        {
            yield return JsonSerializer.Deserialize<JobErrorJson>(row.Cells[0].Value)!;
        }
    }

    /// <summary>
    /// The stored error records of <paramref name="job"/> (every process's) at or after <paramref name="since"/> (ms), at
    /// most <paramref name="cap"/> counted. Row keys order a job's records newest first, so the scan stops at <paramref name="since"/>.
    /// </summary>
    public async ValueTask<long> CountSinceAsync(string job, long since, int cap, CancellationToken cancellationToken = default)
    {
        var stop = RowKeyPrefix(job, since - 1);
        long count = 0;
        await foreach (var _ in store.ScanAsync(Table, new Scan { StartRow = Prefix(job), StopRow = stop, Limit = cap, PageSize = Math.Min(cap, 1024) }, cancellationToken))
        {
            count++;
        }
        return count;
    }

    private static byte[] RowKeyPrefix(string job, long at)
    {
        var inverted = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(inverted, long.MaxValue - at);
        return [.. Prefix(job), .. inverted];
    }

    private static byte[] Prefix(string job) => [.. Encoding.UTF8.GetBytes(job), 0];

    private static byte[] RowKey(string job, long at, string source, string eventId)
    {
        var inverted = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(inverted, long.MaxValue - at);
        return [.. Prefix(job), .. inverted, .. Encoding.UTF8.GetBytes(source), 0, .. Encoding.UTF8.GetBytes(eventId)];
    }
}

/// <summary>An error record as stored and shown.</summary>
public sealed record JobErrorJson(string Job, [property: System.Text.Json.Serialization.JsonConverter(typeof(Jobs.VersionTextConverter))] string JobVersion, string Source, string Key, long EventTime, string EventId, string? EventData,
    string ErrorType, string Message, string Traceback, long At)
{
    internal static JobErrorJson From(JobError e) => new(e.Job, e.JobVersion, e.Trigger.Source, e.Trigger.EntityKey, e.Trigger.EventTime,
        e.Trigger.EventId, e.Trigger.After is null ? null : Encoding.UTF8.GetString(e.Trigger.After), e.ErrorType, e.Message, e.Traceback, e.At);
}
