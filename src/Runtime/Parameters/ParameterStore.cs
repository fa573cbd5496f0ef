using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// <see cref="IParameterStore"/> over a wide table of the event center's storage: one row per job, one cell per
/// parameter holding its value as JSON, stamped with the change time (older versions kept for audit), plus who and
/// why in a metadata family. Any process opening the same table sees the same values.
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
    private static readonly byte[] ChangedByColumn = "changed_by"u8.ToArray();
    private static readonly byte[] ReasonColumn = "reason"u8.ToArray();
    private static readonly byte[] VersionColumn = "version"u8.ToArray();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_parameters");

    /// <summary>Creates (embedded) or verifies (HBase) the table; 100 versions per value are kept for audit.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("p", 100), new FamilySpec("m", 100)]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ParameterSnapshot?> GetAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        var row = await store.GetAsync(Table, new Get(Encoding.UTF8.GetBytes(job)), cancellationToken);
        return row is null ? null : Decode(job, row);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ParameterSnapshot>> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<ParameterSnapshot>();
        await foreach (var row in store.ScanAsync(Table, new Scan(), cancellationToken))
        {
            all.Add(Decode(Encoding.UTF8.GetString(row.Row), row));
        }
        return all;
    }

    /// <inheritdoc />
    public async ValueTask<ParameterSnapshot> SetAsync(string job, IReadOnlyDictionary<string, object?> values, string changedBy, string reason,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(changedBy);
        var declaration = declarations(job) ?? throw new ParameterValidationException(job, ["no such job is loaded"]);
        var normalised = ParameterValidator.Normalise(declaration, values);
        if (normalised.Count == 0)
        {
            throw new ParameterValidationException(job, ["no values given"]);
        }
        var current = await GetAsync(job, cancellationToken);
        // Versions increase strictly, so every process can tell a change from the one it applied last.
        var version = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), (current?.Version ?? 0) + 1);
        var cells = normalised.Select(kv => new Cell(Values, Encoding.UTF8.GetBytes(kv.Key), version, JsonSerializer.SerializeToUtf8Bytes(kv.Value))).ToList();
        cells.Add(new Cell(Meta, ChangedByColumn, version, Encoding.UTF8.GetBytes(changedBy)));
        cells.Add(new Cell(Meta, ReasonColumn, version, Encoding.UTF8.GetBytes(reason ?? "")));
        cells.Add(new Cell(Meta, VersionColumn, version, JsonSerializer.SerializeToUtf8Bytes(version)));
        await store.PutAsync(Table, [new Put(Encoding.UTF8.GetBytes(job), cells)], cancellationToken);
        signal?.Pulse();
        var merged = new Dictionary<string, object?>(current?.Values ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        foreach (var (name, value) in normalised)
        {
            merged[name] = value;
        }
        return new ParameterSnapshot(job, merged, version, changedBy, reason ?? "");
    }

    private static ParameterSnapshot Decode(string job, RowResult row)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        long version = 0;
        string changedBy = "", reason = "";
        foreach (var cell in row.Cells)
        {
            if (cell.Family.AsSpan().SequenceEqual(Values))
            {
                using var document = JsonDocument.Parse(cell.Value);
                values[Encoding.UTF8.GetString(cell.Qualifier)] = JobDeclarationValue(document.RootElement);
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
                version = JsonSerializer.Deserialize<long>(cell.Value);
            }
        }
        return new ParameterSnapshot(job, values, version, changedBy, reason);
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
}
