using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>
/// The job registry in the platform's shared storage (the hot store, like the job switches and parameters): immutable,
/// content-addressed job versions with author, message, created time, declaration and state; which version of each job
/// is live; and the shared helper modules authors import. Every process opening the same table sees the same registry.
/// </summary>
/// <remarks>
/// Table <c>job_registry</c>. Row <c>v/&lt;version&gt;</c>: family <c>c</c> one cell per module (name → source; written
/// once), <c>m</c> the metadata (JSON), <c>s</c> the state (JSON, 100 versions kept: the history). Row <c>j/&lt;job&gt;</c>:
/// <c>i</c> one cell per version (its created time), <c>l</c> the live pointer (JSON, 100 versions: every promotion and
/// rollback). Row <c>h/&lt;module&gt;</c>: <c>c</c> one cell per helper version, <c>l</c> the current one.
/// State and pointer changes are compare-and-set, so of two concurrent reviews or promotions the first wins.
/// </remarks>
/// <param name="store">The storage (normally the event center's hot store).</param>
/// <param name="clock">Clock of created and change times.</param>
/// <param name="table">The table. Default: <c>job_registry</c>.</param>
public sealed class JobVersionStore(IWideTableStore store, TimeProvider? clock = null, TableName? table = null) : IJobVersionSources
{
    private static readonly byte[] Content = "c"u8.ToArray();
    private static readonly byte[] Meta = "m"u8.ToArray();
    private static readonly byte[] StateFamily = "s"u8.ToArray();
    private static readonly byte[] Index = "i"u8.ToArray();
    private static readonly byte[] LiveFamily = "l"u8.ToArray();
    private static readonly byte[] MetaColumn = "meta"u8.ToArray();
    private static readonly byte[] StateColumn = "state"u8.ToArray();
    private static readonly byte[] LiveColumn = "live"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table. Default: <c>job_registry</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_registry");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("c"), new FamilySpec("m"), new FamilySpec("s", 100), new FamilySpec("i"), new FamilySpec("l", 100)]),
            cancellationToken);

    /// <summary>
    /// Registers a version (idempotent: the same content is the same version, and a second registration changes nothing).
    /// </summary>
    /// <returns>The version as stored, and whether this call created it.</returns>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not the content hash of <paramref name="modules"/>.</exception>
    /// <remarks><paramref name="note"/>: the first state change's note (default: the message).</remarks>
    public async ValueTask<(PublishedVersion Version, bool Created)> RegisterAsync(string job, string version, IReadOnlyDictionary<string, string> modules,
        string author, string message, JsonElement declaration, VersionState state, CancellationToken cancellationToken = default, string? note = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentNullException.ThrowIfNull(modules);
        var hash = JobVersionContent.Hash(modules);
        if (hash != version)
        {
            throw new ArgumentException($"the modules hash to {hash}, not to the version {version} they were registered as (a file changed while it was read?)", nameof(version));
        }
        if (await GetAsync(version, cancellationToken) is { } existing)
        {
            return (existing, false);
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var names = modules.Keys.OrderBy(n => n == JobVersionContent.JobModule ? "" : n, StringComparer.Ordinal).ToList();
        var meta = new MetaJson(job, author, message, now, declaration, names);
        var change = new StateChange(state, author, now, note ?? message);
        var cells = modules.Select(m => new Cell(Content, Encoding.UTF8.GetBytes(m.Key), now, Encoding.UTF8.GetBytes(m.Value)))
            .Append(new Cell(Meta, MetaColumn, now, JsonSerializer.SerializeToUtf8Bytes(meta, Json))).ToList();
        await store.PutAsync(Table, [new Put(VersionRow(version), cells)], cancellationToken);
        // The state last, with compare-and-set: of two processes registering the same version at once, one state wins.
        await store.CheckAndPutAsync(Table, VersionRow(version), StateFamily, StateColumn, null,
            new Put(VersionRow(version), [new Cell(StateFamily, StateColumn, now, JsonSerializer.SerializeToUtf8Bytes(change, Json))]), cancellationToken);
        await store.PutAsync(Table, [new Put(JobRow(job), [new Cell(Index, Encoding.UTF8.GetBytes(version), now, BitConverter.GetBytes(now))])], cancellationToken);
        return ((await GetAsync(version, cancellationToken))!, true);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, string>?> GetModulesAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var row = await store.GetAsync(Table, new Get(VersionRow(version)) { Columns = [new ColumnSelector(Content)] }, cancellationToken);
        return row is null || row.Cells.Count == 0
            ? null
            : row.Cells.ToDictionary(c => Encoding.UTF8.GetString(c.Qualifier), c => Encoding.UTF8.GetString(c.Value), StringComparer.Ordinal);
    }

    /// <summary>A version with its state and state history, or null.</summary>
    public async ValueTask<PublishedVersion?> GetAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var row = await store.GetAsync(Table, new Get(VersionRow(version)) { Columns = [new ColumnSelector(Meta), new ColumnSelector(StateFamily)], MaxVersions = 100 },
            cancellationToken);
        var metaCell = row?.Cells.FirstOrDefault(c => c.Family.AsSpan().SequenceEqual(Meta));
        if (row is null || metaCell is not { Value: not null } found)
        {
            return null;
        }
        var meta = JsonSerializer.Deserialize<MetaJson>(found.Value, Json)!;
        var history = row.Cells.Where(c => c.Family.AsSpan().SequenceEqual(StateFamily)).OrderBy(c => c.Timestamp)
            .Select(c => JsonSerializer.Deserialize<StateChange>(c.Value, Json)!).ToList();
        var state = history.Count > 0 ? history[^1].State : VersionState.Validated;
        return new PublishedVersion(meta.Job, version, meta.Author, meta.Message, meta.CreatedAt, meta.Declaration, meta.Modules, state, history);
    }

    /// <summary>The registered versions of <paramref name="job"/>, newest first.</summary>
    public async ValueTask<IReadOnlyList<PublishedVersion>> ListAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        var row = await store.GetAsync(Table, new Get(JobRow(job)) { Columns = [new ColumnSelector(Index)] }, cancellationToken);
        var versions = new List<PublishedVersion>();
        foreach (var cell in row?.Cells ?? [])
        {
            if (await GetAsync(Encoding.UTF8.GetString(cell.Qualifier), cancellationToken) is { } v)
            {
                versions.Add(v);
            }
        }
        return [.. versions.OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Version, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Moves <paramref name="version"/> to <paramref name="to"/> if its state is one of <paramref name="from"/> (compare-and-set:
    /// a concurrent change makes this one fail). Returns the version after the change, or null when its state did not allow it.
    /// </summary>
    public async ValueTask<PublishedVersion?> TransitionAsync(string version, IReadOnlyCollection<VersionState> from, VersionState to, string by, string note,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        var row = await store.GetAsync(Table, new Get(VersionRow(version)) { Columns = [new ColumnSelector(StateFamily, StateColumn)] }, cancellationToken);
        var current = row?.Cells.FirstOrDefault();
        if (current is not { Value: not null } cell || !from.Contains(JsonSerializer.Deserialize<StateChange>(cell.Value, Json)!.State))
        {
            return null;
        }
        var at = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), cell.Timestamp + 1);
        var change = new StateChange(to, by, at, note);
        var applied = await store.CheckAndPutAsync(Table, VersionRow(version), StateFamily, StateColumn, cell.Value,
            new Put(VersionRow(version), [new Cell(StateFamily, StateColumn, at, JsonSerializer.SerializeToUtf8Bytes(change, Json))]), cancellationToken);
        return applied ? await GetAsync(version, cancellationToken) : null;
    }

    /// <summary>The live pointer of <paramref name="job"/>, or null when no version was ever promoted.</summary>
    public async ValueTask<LivePointer?> GetLiveAsync(string job, CancellationToken cancellationToken = default) =>
        (await LiveCellAsync(job, cancellationToken)).Pointer;

    /// <summary>Every promotion and rollback of <paramref name="job"/>, newest first (the last 100).</summary>
    public async ValueTask<IReadOnlyList<LivePointer>> LiveHistoryAsync(string job, CancellationToken cancellationToken = default)
    {
        var row = await store.GetAsync(Table, new Get(JobRow(job)) { Columns = [new ColumnSelector(LiveFamily, LiveColumn)], MaxVersions = 100 }, cancellationToken);
        return [.. (row?.Cells ?? []).OrderByDescending(c => c.Timestamp).Select(c => JsonSerializer.Deserialize<LivePointer>(c.Value, Json)!)];
    }

    /// <summary>Every job's live pointer.</summary>
    public async ValueTask<IReadOnlyList<LivePointer>> ListLiveAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<LivePointer>();
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = "j/"u8.ToArray(), Columns = [new ColumnSelector(LiveFamily, LiveColumn)] }, cancellationToken))
        {
            if (row.Cells.Count > 0)
            {
                all.Add(JsonSerializer.Deserialize<LivePointer>(row.Cells[0].Value, Json)!);
            }
        }
        return all;
    }

    /// <summary>
    /// Points <paramref name="job"/>'s live version at <paramref name="version"/> if the pointer is still
    /// <paramref name="expectedPrevious"/> (null: none yet). Returns the new pointer, or null when another change came first.
    /// </summary>
    public async ValueTask<LivePointer?> SetLiveAsync(string job, string version, string by, string action, LivePointer? expectedPrevious, string previousVersion,
        CancellationToken cancellationToken = default)
    {
        var (pointer, raw, stamp) = await LiveCellAsync(job, cancellationToken);
        if (pointer?.At != expectedPrevious?.At)
        {
            return null;
        }
        var at = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), stamp + 1);
        var next = new LivePointer(job, version, by, at, action, pointer?.Version ?? previousVersion);
        var applied = await store.CheckAndPutAsync(Table, JobRow(job), LiveFamily, LiveColumn, raw,
            new Put(JobRow(job), [new Cell(LiveFamily, LiveColumn, at, JsonSerializer.SerializeToUtf8Bytes(next, Json))]), cancellationToken);
        return applied ? next : null;
    }

    /// <summary>Publishes a shared helper module's source (idempotent per content) and makes it the current one.</summary>
    public async ValueTask<HelperVersion> PublishHelperAsync(string module, string source, string by, string message, CancellationToken cancellationToken = default)
    {
        JobVersionContent.RelativePath(module, [], "_"); // checks the name
        var version = JobVersionContent.Hash(new Dictionary<string, string>(StringComparer.Ordinal) { [module] = source });
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var helper = new HelperVersion(module, version, by, now, message);
        await store.PutAsync(Table, [new Put(HelperRow(module),
        [
            new Cell(Content, Encoding.UTF8.GetBytes(version), now, JsonSerializer.SerializeToUtf8Bytes(new HelperJson(helper, source), Json)),
            new Cell(LiveFamily, LiveColumn, now, Encoding.UTF8.GetBytes(version)),
        ])], cancellationToken);
        return helper;
    }

    /// <summary>The current version of every shared helper module: module name → (version, source).</summary>
    public async ValueTask<IReadOnlyDictionary<string, (HelperVersion Helper, string Source)>> CurrentHelpersAsync(CancellationToken cancellationToken = default)
    {
        var all = new Dictionary<string, (HelperVersion, string)>(StringComparer.Ordinal);
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = "h/"u8.ToArray() }, cancellationToken))
        {
            var current = row.Cells.FirstOrDefault(c => c.Family.AsSpan().SequenceEqual(LiveFamily));
            var content = current.Value is null ? default : row.Cells.FirstOrDefault(c => c.Family.AsSpan().SequenceEqual(Content) && c.Qualifier.AsSpan().SequenceEqual(current.Value));
            if (content.Value is not null)
            {
                var helper = JsonSerializer.Deserialize<HelperJson>(content.Value, Json)!;
                all[helper.Helper.Module] = (helper.Helper, helper.Source);
            }
        }
        return all;
    }

    private async ValueTask<(LivePointer? Pointer, byte[]? Raw, long Stamp)> LiveCellAsync(string job, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        var row = await store.GetAsync(Table, new Get(JobRow(job)) { Columns = [new ColumnSelector(LiveFamily, LiveColumn)] }, cancellationToken);
        return row?.Cells.FirstOrDefault() is { Value: not null } cell
            ? (JsonSerializer.Deserialize<LivePointer>(cell.Value, Json), cell.Value, cell.Timestamp)
            : (null, null, 0);
    }

    private static byte[] VersionRow(string version) => Encoding.UTF8.GetBytes("v/" + version);

    private static byte[] JobRow(string job) => Encoding.UTF8.GetBytes("j/" + job);

    private static byte[] HelperRow(string module) => Encoding.UTF8.GetBytes("h/" + module);

    private sealed record MetaJson(string Job, string Author, string Message, long CreatedAt, JsonElement Declaration, IReadOnlyList<string> Modules);

    private sealed record HelperJson(HelperVersion Helper, string Source);
}
