using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>
/// The operators' enable/disable switches of jobs, kept in a wide table of the event center's storage (one row per
/// job: the flag, who set it and when, older versions kept for audit), so a switch survives restarts and reaches every
/// runtime process sharing the storage. A stored switch overrides <c>Runtime:Jobs:&lt;job&gt;:Enabled</c> (and
/// <c>Runtime:EnableJobsByDefault</c>): configuration gives the initial state, operators change it at run time.
/// </summary>
/// <param name="store">The storage (normally the event center's hot store).</param>
/// <param name="table">The table. Default: <c>job_switches</c>.</param>
/// <param name="clock">Clock of the change times.</param>
public sealed class JobSwitchStore(IWideTableStore store, TableName? table = null, TimeProvider? clock = null)
{
    private static readonly byte[] Family = "s"u8.ToArray();
    private static readonly byte[] EnabledColumn = "enabled"u8.ToArray();
    private static readonly byte[] ChangedByColumn = "changed_by"u8.ToArray();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_switches");

    /// <summary>Creates (embedded) or verifies (HBase) the table; 100 versions per switch are kept for audit.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("s", 100)]), cancellationToken);

    /// <summary>Stores <paramref name="enabled"/> for <paramref name="job"/>; returns the stored switch.</summary>
    public async ValueTask<JobSwitch> SetAsync(string job, bool enabled, string changedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(changedBy);
        var current = await GetAsync(job, cancellationToken);
        // Versions increase strictly, so every process can tell a change from the one it applied last.
        var version = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), (current?.Version ?? 0) + 1);
        await store.PutAsync(Table, [new Put(Encoding.UTF8.GetBytes(job),
        [
            new Cell(Family, EnabledColumn, version, JsonSerializer.SerializeToUtf8Bytes(enabled)),
            new Cell(Family, ChangedByColumn, version, Encoding.UTF8.GetBytes(changedBy)),
        ])], cancellationToken);
        return new JobSwitch(job, enabled, version, changedBy);
    }

    /// <summary>The stored switch of <paramref name="job"/>, or null when operators never switched it.</summary>
    public async ValueTask<JobSwitch?> GetAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        var row = await store.GetAsync(Table, new Get(Encoding.UTF8.GetBytes(job)), cancellationToken);
        return row is null ? null : Decode(job, row);
    }

    /// <summary>Every stored switch.</summary>
    public async ValueTask<IReadOnlyList<JobSwitch>> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<JobSwitch>();
        await foreach (var row in store.ScanAsync(Table, new Scan(), cancellationToken))
        {
            if (Decode(Encoding.UTF8.GetString(row.Row), row) is { } s)
            {
                all.Add(s);
            }
        }
        return all;
    }

    /// <summary>
    /// Applies the stored switches newer than <paramref name="applied"/> (job → version last applied, updated) to
    /// <paramref name="jobs"/>; returns how many flags changed.
    /// </summary>
    public async ValueTask<int> ApplyAsync(IEnumerable<RegisteredJob> jobs, IDictionary<string, long> applied, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var byName = jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
        var changed = 0;
        foreach (var s in await ListAsync(cancellationToken))
        {
            if (!byName.TryGetValue(s.Job, out var job) || (applied.TryGetValue(s.Job, out var version) && version >= s.Version))
            {
                continue;
            }
            applied[s.Job] = s.Version;
            if (job.ApplySwitch(s.Enabled, s.Version))
            {
                changed++;
            }
        }
        return changed;
    }

    private static JobSwitch? Decode(string job, RowResult row)
    {
        bool? enabled = null;
        long version = 0;
        var changedBy = "";
        foreach (var cell in row.Cells)
        {
            if (cell.Qualifier.AsSpan().SequenceEqual(EnabledColumn))
            {
                enabled = JsonSerializer.Deserialize<bool>(cell.Value);
                version = cell.Timestamp;
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(ChangedByColumn))
            {
                changedBy = Encoding.UTF8.GetString(cell.Value);
            }
        }
        return enabled is { } e ? new JobSwitch(job, e, version, changedBy) : null;
    }
}

/// <summary>A stored switch.</summary>
/// <param name="Job">The job.</param>
/// <param name="Enabled">Whether it runs live.</param>
/// <param name="Version">When it was set (Unix ms, strictly increasing per job).</param>
/// <param name="ChangedBy">Who set it.</param>
public sealed record JobSwitch(string Job, bool Enabled, long Version, string ChangedBy);
