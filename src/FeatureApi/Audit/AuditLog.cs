using System.Buffers.Binary;
using System.Text.Json;
using System.Threading.Channels;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.FeatureApi.Audit;

/// <summary>
/// The audit log: a wide table of the event center's hot store, one row per write, keyed by inverted time so a
/// forward scan returns the newest first.
/// </summary>
/// <remarks>
/// Records are written off the request's path: <see cref="Append"/> queues them and one background loop writes what
/// is queued as one batch (one put, one commit) — so an audited request does not wait for a commit of its own, and
/// concurrent requests share one. Nothing queued is lost on a clean shutdown: <see cref="DisposeAsync"/> (the host's
/// container disposes the log before the store it writes to) writes everything still queued. A process that crashes
/// loses the records queued in its last moments (milliseconds' worth). Reads (<see cref="RecentAsync"/>) first wait
/// for the records queued before them, so a write is in the log its author reads next. A batch the store refuses is
/// logged and dropped, as a single record's write was before.
/// </remarks>
public sealed class AuditLog : IAsyncDisposable
{
    /// <summary>Most records written in one batch.</summary>
    public const int MaxBatch = 512;

    private static readonly byte[] Family = "a"u8.ToArray();
    private static readonly byte[] Column = "r"u8.ToArray();
    private readonly IWideTableStore store;
    private readonly ILogger logger;
    private readonly Channel<Pending> pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writer;

    /// <summary>Creates the log and starts its writer loop.</summary>
    /// <param name="store">The store (normally the hot store).</param>
    /// <param name="table">The table. Default: <c>api_audit</c>.</param>
    /// <param name="logger">Where failed batches are logged. Default: nowhere.</param>
    public AuditLog(IWideTableStore store, TableName? table = null, ILogger<AuditLog>? logger = null)
    {
        this.store = store;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        Table = table ?? new TableName(null, "api_audit");
        writer = Task.Run(WriteQueuedAsync);
    }

    /// <summary>The table. Default: <c>api_audit</c>.</summary>
    public TableName Table { get; }

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("a")]), cancellationToken);

    /// <summary>Queues a record; the writer loop stores it with the others queued meanwhile.</summary>
    /// <exception cref="ObjectDisposedException">The log was disposed (the host is shutting down).</exception>
    public void Append(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ObjectDisposedException.ThrowIf(!pending.Writer.TryWrite(new Pending(record, null)), this);
    }

    /// <summary>Appends a record and waits until it is stored.</summary>
    public async ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        Append(record);
        await FlushAsync(cancellationToken);
    }

    /// <summary>Completes once every record queued before the call has been written (or its batch failed and was logged).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!pending.Writer.TryWrite(new Pending(null, flushed)), this);
        return flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The newest <paramref name="limit"/> records, optionally only those of <paramref name="actor"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> RecentAsync(int limit, string? actor, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        var list = new List<AuditRecord>();
        await foreach (var row in store.ScanAsync(Table, new Scan { PageSize = Math.Min(limit, 256) }, cancellationToken))
        {
            var record = JsonSerializer.Deserialize<AuditRecord>(row.Cells[0].Value, JsonSerializerOptions.Web);
            if (record is not null && (actor is null || string.Equals(record.Actor, actor, StringComparison.Ordinal)))
            {
                list.Add(record);
                if (list.Count == limit)
                {
                    break;
                }
            }
        }
        return list;
    }

    /// <summary>Stops taking records and writes the ones still queued.</summary>
    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await writer;
    }

    /// <summary>The writer loop: everything queued so far as one batch, then the flushes waiting for it.</summary>
    private async Task WriteQueuedAsync()
    {
        var batch = new List<AuditRecord>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        while (await pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            flushes.Clear();
            while (batch.Count < MaxBatch && pending.Reader.TryRead(out var next))
            {
                if (next.Record is { } record)
                {
                    batch.Add(record);
                }
                else
                {
                    flushes.Add(next.Flushed!);
                    break; // a flush covers what was queued before it: write that now
                }
            }
            await WriteBatchAsync(batch);
            foreach (var flushed in flushes)
            {
                flushed.TrySetResult();
            }
        }
    }

    private async Task WriteBatchAsync(List<AuditRecord> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var puts = new Put[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            var row = new byte[24];
            BinaryPrimitives.WriteInt64BigEndian(row, long.MaxValue - record.At);
            Guid.NewGuid().TryWriteBytes(row.AsSpan(8));
            puts[i] = new Put(row, [new Cell(Family, Column, record.At, JsonSerializer.SerializeToUtf8Bytes(record, JsonSerializerOptions.Web))]);
        }
        try
        {
            await store.PutAsync(Table, puts, CancellationToken.None);
        }
        catch (Exception e) when (StorageUnavailableException.Find(e) is { } fault)
        {
            // The storage monitor logs the fault once per episode; one line per refused batch would flood the log.
            logger.LogDebug("Could not write {Count} audit records: {Cause}", batch.Count, fault.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not write {Count} audit records (the first: {Method} {Path} by {Actor}, {Status})", batch.Count, batch[0].Method, batch[0].Path, batch[0].Actor, batch[0].Status);
        }
    }

    /// <summary>A queued record, or a flush waiting for the records queued before it.</summary>
    private sealed record Pending(AuditRecord? Record, TaskCompletionSource? Flushed);
}
