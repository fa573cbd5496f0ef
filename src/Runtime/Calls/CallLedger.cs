using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Who runs each call and what it answered, in a wide table of the event center's storage shared by every runtime
/// process (normally the hot store): one row per (job, request id) with column <c>c:claim</c> — taken atomically
/// (<see cref="IWideTableStore.CheckAndPutAsync"/>: SQLite transaction, HBase <c>checkAndPut</c>) by the one worker that
/// runs the call — and <c>c:answer</c>, the <see cref="CallAnswer"/> JSON any process answers a poll from.
/// </summary>
/// <remarks>
/// A claim holds for <paramref name="lease"/>: a worker that died while running a call leaves a claim without an answer,
/// and the call, delivered again, is taken over once the lease ran out (the only case in which a call runs twice; its
/// results have the same ids, so the event center and the feature store keep one copy). Kept as long as the table keeps
/// it (no TTL by default; HBase: see docs/hbase-admin.md).
/// </remarks>
/// <param name="store">The storage (normally the hot store).</param>
/// <param name="lease">How long a claim holds without an answer before another worker may take the call over.</param>
/// <param name="clock">The clock of claim times.</param>
/// <param name="table">The table. Default: <c>call_requests</c>.</param>
public sealed class CallLedger(IWideTableStore store, TimeSpan lease, TimeProvider? clock = null, TableName? table = null)
{
    private static readonly byte[] Family = "c"u8.ToArray();
    private static readonly byte[] ClaimColumn = "claim"u8.ToArray();
    private static readonly byte[] AnswerColumn = "answer"u8.ToArray();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly Lock ensureLock = new();
    private Task? ensured;

    /// <summary>The table.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "call_requests");

    /// <summary>Creates (embedded) or verifies (HBase) the table; once per process, again after a failure.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken = default)
    {
        Task task;
        lock (ensureLock)
        {
            if (ensured is null || ensured.IsFaulted || ensured.IsCanceled)
            {
                ensured = store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("c")]), CancellationToken.None).AsTask();
            }
            task = ensured;
        }
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Claims the call for <paramref name="owner"/>: <see cref="ClaimState.Claimed"/> when this caller is the one to run it
    /// (no claim yet, or an expired claim without an answer taken over), <see cref="ClaimState.Answered"/> with the stored
    /// answer, or <see cref="ClaimState.Held"/> with the time the other claim expires.
    /// </summary>
    public async Task<CallClaim> ClaimAsync(string job, string requestId, string owner, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var row = Row(job, requestId);
        byte[]? expected = null;
        while (true)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (await store.CheckAndPutAsync(Table, row, Family, ClaimColumn, expected, ClaimPut(row, owner, now), cancellationToken))
            {
                return new CallClaim(ClaimState.Claimed, null, 0);
            }
            var stored = await store.GetAsync(Table, new Get(row), cancellationToken);
            if (Answer(stored) is { } answer)
            {
                return new CallClaim(ClaimState.Answered, answer, 0);
            }
            var held = Value(stored, ClaimColumn);
            var until = held is null ? 0 : ExpiresAt(held);
            if (held is not null && until > now)
            {
                return new CallClaim(ClaimState.Held, null, until);
            }
            expected = held; // expired (or vanished): take it over if nobody else did meanwhile
        }
    }

    /// <summary>
    /// The claim of a call for <paramref name="owner"/> as a write guarded by the claim column's absence, for a caller that
    /// stores it in the transaction of the request's event (<see cref="EventCenter.EventStorage.IHotGuardedWriter"/>):
    /// applied, it is the claim <see cref="ClaimAsync"/> would have taken on a call nobody claimed yet. Only valid where
    /// this ledger's store is the event store's hot store (else the event store does not apply it); call
    /// <see cref="EnsureTableAsync"/> first.
    /// </summary>
    public HotGuard ClaimWrite(string job, string requestId, string owner)
    {
        var row = Row(job, requestId);
        return new HotGuard(store, new GuardedWrite(Table, ClaimPut(row, owner, clock.GetUtcNow().ToUnixTimeMilliseconds()), []));
    }

    /// <summary>
    /// Gives up a claim taken with <paramref name="claim"/> (<see cref="ClaimWrite"/>) whose call will not run here: it is
    /// marked expired, so the next runner takes the call over at once instead of after the lease.
    /// </summary>
    public async Task ReleaseAsync(HotGuard claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var row = claim.Write.Guard.Row;
        var released = Encoding.UTF8.GetBytes("0 released");
        await store.CheckAndPutAsync(Table, row, Family, ClaimColumn, claim.Write.Guard.Cells[0].Value,
            new Put(row, [new Cell(Family, ClaimColumn, clock.GetUtcNow().ToUnixTimeMilliseconds(), released)]), cancellationToken);
    }

    /// <summary>The claim cell: when it expires (Unix ms) and who holds it.</summary>
    private Put ClaimPut(byte[] row, string owner, long now) =>
        new(row, [new Cell(Family, ClaimColumn, now, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{now + (long)lease.TotalMilliseconds} {owner}")))]);

    /// <summary>Stores the answer of a call (the claimant's, once it ran).</summary>
    public async Task WriteAnswerAsync(CallAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await EnsureTableAsync(cancellationToken);
        var row = Row(answer.Job, answer.RequestId);
        await store.PutAsync(Table, [new Put(row, [new Cell(Family, AnswerColumn, clock.GetUtcNow().ToUnixTimeMilliseconds(), answer.ToJson())])], cancellationToken);
    }

    /// <summary>The stored answer of a request, or null when there is none (yet).</summary>
    public async Task<CallAnswer?> GetAsync(string job, string requestId, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        return Answer(await store.GetAsync(Table, new Get(Row(job, requestId)), cancellationToken));
    }

    private static CallAnswer? Answer(RowResult? row) => Value(row, AnswerColumn) is { } json ? CallAnswer.FromJson(json) : null;

    private static byte[]? Value(RowResult? row, byte[] qualifier)
    {
        foreach (var cell in row?.Cells ?? [])
        {
            if (cell.Qualifier.AsSpan().SequenceEqual(qualifier))
            {
                return cell.Value;
            }
        }
        return null;
    }

    private static long ExpiresAt(byte[] claim)
    {
        var text = Encoding.UTF8.GetString(claim);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return long.TryParse(space < 0 ? text : text[..space], NumberStyles.Integer, CultureInfo.InvariantCulture, out var until) ? until : 0;
    }

    /// <summary>Row key: job, U+001F, request id (UTF-8); the separator cannot occur in a job name.</summary>
    private static byte[] Row(string job, string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        return Encoding.UTF8.GetBytes(job + "\u001f" + requestId);
    }
}

/// <summary>What <see cref="CallLedger.ClaimAsync"/> found.</summary>
public enum ClaimState
{
    /// <summary>The caller holds the claim: it runs the call and stores the answer.</summary>
    Claimed,

    /// <summary>The call was answered; <see cref="CallClaim.Answer"/> holds it.</summary>
    Answered,

    /// <summary>Another worker holds an unexpired claim and has not answered yet.</summary>
    Held,
}

/// <summary>The outcome of a claim.</summary>
/// <param name="State">What was found.</param>
/// <param name="Answer">The stored answer when <see cref="ClaimState.Answered"/>.</param>
/// <param name="HeldUntil">When the other claim expires (Unix ms) when <see cref="ClaimState.Held"/>.</param>
public sealed record CallClaim(ClaimState State, CallAnswer? Answer, long HeldUntil);
