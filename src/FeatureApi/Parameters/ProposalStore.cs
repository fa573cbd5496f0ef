using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>
/// Parameter proposals in a wide table of the event center's hot store: row <c>job \0 id</c>, column <c>p:state</c>
/// (the check-and-put guard) and <c>p:data</c> (the proposal as JSON). State changes are check-and-put on
/// <c>state</c>, so of two concurrent reviews exactly one wins.
/// </summary>
public sealed class ProposalStore(IWideTableStore store, TimeProvider clock, TableName? table = null)
{
    private static readonly byte[] Family = "p"u8.ToArray();
    private static readonly byte[] StateColumn = "state"u8.ToArray();
    private static readonly byte[] DataColumn = "data"u8.ToArray();

    /// <summary>The table. Default: <c>api_parameter_proposals</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "api_parameter_proposals");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("p")]), cancellationToken);

    /// <summary>Stores a new pending proposal and returns it; <paramref name="effectiveAt"/> is when it takes effect once approved (null: at approval).</summary>
    public async Task<ParameterProposal> CreateAsync(string job, IReadOnlyDictionary<string, JsonElement> values, IReadOnlyDictionary<string, JsonElement> previous,
        string proposedBy, string reason, CancellationToken cancellationToken = default, long? effectiveAt = null)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var id = now.ToString("x12", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var proposal = new ParameterProposal(id, job, ProposalState.Pending, values, previous, proposedBy, now, reason, EffectiveAt: effectiveAt);
        if (!await store.CheckAndPutAsync(Table, Row(job, id), Family, StateColumn, null, ToPut(proposal), cancellationToken))
        {
            throw new InvalidOperationException($"Proposal id {id} already exists.");
        }
        return proposal;
    }

    /// <summary>The proposal, or null.</summary>
    public async Task<ParameterProposal?> GetAsync(string job, string id, CancellationToken cancellationToken = default)
    {
        var row = await store.GetAsync(Table, new Get(Row(job, id)) { Columns = [new ColumnSelector(Family, DataColumn)] }, cancellationToken);
        return row is null ? null : Decode(row);
    }

    /// <summary>
    /// Moves <paramref name="updated"/> from Pending to its state if it is still Pending; false when someone else
    /// reviewed it first.
    /// </summary>
    public async Task<bool> TryDecideAsync(ParameterProposal updated, CancellationToken cancellationToken = default) =>
        await store.CheckAndPutAsync(Table, Row(updated.Job, updated.Id), Family, StateColumn,
            Encoding.UTF8.GetBytes(nameof(ProposalState.Pending)), ToPut(updated), cancellationToken);

    /// <summary>Records the outcome of applying an approved proposal (only its owner, the approving request, calls this).</summary>
    public async Task RecordApplyAsync(ParameterProposal updated, CancellationToken cancellationToken = default) =>
        await store.PutAsync(Table, [ToPut(updated)], cancellationToken);

    /// <summary>A job's proposals, newest first, optionally only in one state.</summary>
    public async IAsyncEnumerable<ParameterProposal> ListAsync(string job, ProposalState? state, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var scan = new Scan { Prefix = Prefix(job), Reversed = true, Columns = [new ColumnSelector(Family, DataColumn)] };
        await foreach (var row in store.ScanAsync(Table, scan, cancellationToken))
        {
            var proposal = Decode(row);
            if (state is null || proposal.State == state)
            {
                yield return proposal;
            }
        }
    }

    private Put ToPut(ParameterProposal p)
    {
        var ts = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return new Put(Row(p.Job, p.Id),
        [
            new Cell(Family, StateColumn, ts, Encoding.UTF8.GetBytes(p.State.ToString())),
            new Cell(Family, DataColumn, ts, JsonSerializer.SerializeToUtf8Bytes(p, JsonSerializerOptions.Web)),
        ]);
    }

    private static ParameterProposal Decode(RowResult row) =>
        JsonSerializer.Deserialize<ParameterProposal>(row.Cells.First(c => c.Qualifier.AsSpan().SequenceEqual(DataColumn)).Value, JsonSerializerOptions.Web)
        ?? throw new InvalidDataException("A proposal row holds null.");

    private static byte[] Prefix(string job) => [.. Encoding.UTF8.GetBytes(job), 0];

    private static byte[] Row(string job, string id) => [.. Prefix(job), .. Encoding.UTF8.GetBytes(id)];
}
