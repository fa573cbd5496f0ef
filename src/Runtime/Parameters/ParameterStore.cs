using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// <see cref="IParameterStore"/> over a wide table of the event center's storage: one row per job; each approved change
/// is one cell of the history family <c>h</c> (qualifier: its version, 8 bytes big-endian; value: JSON
/// <c>{"values", "effectiveAt", "changedBy", "reason"}</c>), so the row holds the job's whole history with effective
/// times. Rows written before the history existed (current values in family <c>p</c>, who/why in <c>m</c>) read as one
/// change effective at its change time. Any process opening the same table sees the same history.
/// </summary>
/// <param name="store">The storage (normally the event center's hot store).</param>
/// <param name="declarations">The declaration of a job by name, or null when no such job is loaded.</param>
/// <param name="signal">Pulsed after each change so this process applies it at once (optional).</param>
/// <param name="table">The table. Default: <c>job_parameters</c>.</param>
/// <param name="clock">Clock of the change times.</param>
public sealed class ParameterStore(IWideTableStore store, Func<string, JobDeclaration?> declarations, ParameterSignal? signal = null,
    TableName? table = null, TimeProvider? clock = null) : IParameterStore
{
    private static readonly byte[] Values = "p"u8.ToArray();
    private static readonly byte[] Meta = "m"u8.ToArray();
    private static readonly byte[] History = "h"u8.ToArray();
    private static readonly byte[] ChangedByColumn = "changed_by"u8.ToArray();
    private static readonly byte[] ReasonColumn = "reason"u8.ToArray();
    private static readonly byte[] VersionColumn = "version"u8.ToArray();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table. Default: <c>job_parameters</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_parameters");

    /// <summary>Creates (embedded) or verifies (HBase) the table: the history family <c>h</c>, and <c>p</c>/<c>m</c> of older rows.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("p", 100), new FamilySpec("m", 100), new FamilySpec("h", 1)]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ParameterSnapshot?> GetAsync(string job, CancellationToken cancellationToken = default) =>
        (await GetHistoryAsync(job, cancellationToken)).InForceAt(Now);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ParameterSnapshot>> ListAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var all = new List<ParameterSnapshot>();
        await foreach (var row in store.ScanAsync(Table, new Scan(), cancellationToken))
        {
            var history = Decode(Encoding.UTF8.GetString(row.Row), row);
            if (history.InForceAt(now) is { } snapshot)
            {
                all.Add(snapshot);
            }
            else if (history.NextChangeAfter(now) is { } next)
            {
                // Nothing in force yet, a change pending: defaults until then.
                all.Add(new ParameterSnapshot(history.Job, new Dictionary<string, object?>(), 0, "", "") { EffectiveAt = 0, NextChangeAt = next });
            }
        }
        return all;
    }

    /// <inheritdoc />
    public async ValueTask<ParameterHistory> GetHistoryAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        var row = await store.GetAsync(Table, new Get(Encoding.UTF8.GetBytes(job)), cancellationToken);
        return row is null ? new ParameterHistory(job, []) : Decode(job, row);
    }

    /// <inheritdoc />
    public async ValueTask<ParameterSnapshot> SetAsync(string job, IReadOnlyDictionary<string, object?> values, string changedBy, string reason,
        CancellationToken cancellationToken = default, long? effectiveAt = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(changedBy);
        var declaration = declarations(job) ?? throw new ParameterValidationException(job, ["no such job is loaded"]);
        var normalised = ParameterValidator.Normalise(declaration, values);
        if (normalised.Count == 0)
        {
            throw new ParameterValidationException(job, ["no values given"]);
        }
        var now = Now;
        if (effectiveAt < now)
        {
            throw new ParameterValidationException(job,
                [$"effectiveAt {DateTimeOffset.FromUnixTimeMilliseconds(effectiveAt.Value):O} is in the past; a change takes effect now or later (omit it for now)"]);
        }
        var history = await GetHistoryAsync(job, cancellationToken);
        // Versions increase strictly, so every process can tell a change from the one it applied last.
        var version = Math.Max(now, history.Changes.Select(c => c.Version).DefaultIfEmpty(0).Max() + 1);
        var effective = effectiveAt ?? version;
        var record = new ChangeJson(normalised.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), effective, changedBy, reason ?? "");
        var qualifier = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(qualifier, version);
        await store.PutAsync(Table, [new Put(Encoding.UTF8.GetBytes(job), [new Cell(History, qualifier, version, JsonSerializer.SerializeToUtf8Bytes(record))])],
            cancellationToken);
        signal?.Pulse();
        var change = new ParameterChange(version, effective, normalised, changedBy, reason ?? "");
        var merged = new ParameterHistory(job, [.. history.Changes, change]).InForceAt(long.MaxValue)!;
        return merged with { Version = version, ChangedBy = changedBy, Reason = reason ?? "", EffectiveAt = effective };
    }

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static ParameterHistory Decode(string job, RowResult row)
    {
        var changes = new List<ParameterChange>();
        var legacy = new Dictionary<string, object?>(StringComparer.Ordinal);
        long legacyVersion = 0;
        string changedBy = "", reason = "";
        foreach (var cell in row.Cells)
        {
            if (cell.Family.AsSpan().SequenceEqual(History))
            {
                var record = JsonSerializer.Deserialize<ChangeJson>(cell.Value)!;
                var values = record.Values.ToDictionary(kv => kv.Key, kv => kv.Value is JsonElement e ? JobDeclarationValue(e) : kv.Value, StringComparer.Ordinal);
                changes.Add(new ParameterChange(BinaryPrimitives.ReadInt64BigEndian(cell.Qualifier), record.EffectiveAt, values, record.ChangedBy, record.Reason));
            }
            else if (cell.Family.AsSpan().SequenceEqual(Values))
            {
                using var document = JsonDocument.Parse(cell.Value);
                legacy[Encoding.UTF8.GetString(cell.Qualifier)] = JobDeclarationValue(document.RootElement);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(ChangedByColumn))
            {
                changedBy = Encoding.UTF8.GetString(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(ReasonColumn))
            {
                reason = Encoding.UTF8.GetString(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(VersionColumn))
            {
                legacyVersion = JsonSerializer.Deserialize<long>(cell.Value);
            }
        }
        if (legacy.Count > 0 && !changes.Any(c => c.Version == legacyVersion))
        {
            // Values stored before the history: in force since they were set.
            changes.Add(new ParameterChange(legacyVersion, legacyVersion, legacy, changedBy, reason));
        }
        return new ParameterHistory(job, changes);
    }

    private static object? JobDeclarationValue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetInt64(out var l) => l,
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => v.GetString(),
        _ => null,
    };

    private sealed record ChangeJson(
        [property: JsonPropertyName("values")] Dictionary<string, object?> Values,
        [property: JsonPropertyName("effectiveAt")] long EffectiveAt,
        [property: JsonPropertyName("changedBy")] string ChangedBy,
        [property: JsonPropertyName("reason")] string Reason);
}
