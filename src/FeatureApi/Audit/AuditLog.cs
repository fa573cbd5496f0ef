using System.Buffers.Binary;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.FeatureApi.Audit;

/// <summary>
/// The audit log: a wide table of the event center's hot store, one row per write, keyed by inverted time so a
/// forward scan returns the newest first.
/// </summary>
public sealed class AuditLog(IWideTableStore store, TableName? table = null)
{
    private static readonly byte[] Family = "a"u8.ToArray();
    private static readonly byte[] Column = "r"u8.ToArray();

    /// <summary>The table. Default: <c>api_audit</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "api_audit");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("a")]), cancellationToken);

    /// <summary>Appends a record.</summary>
    public async ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var row = new byte[24];
        BinaryPrimitives.WriteInt64BigEndian(row, long.MaxValue - record.At);
        Guid.NewGuid().TryWriteBytes(row.AsSpan(8));
        var value = JsonSerializer.SerializeToUtf8Bytes(record, JsonSerializerOptions.Web);
        await store.PutAsync(Table, [new Put(row, [new Cell(Family, Column, record.At, value)])], cancellationToken);
    }

    /// <summary>The newest <paramref name="limit"/> records, optionally only those of <paramref name="actor"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> RecentAsync(int limit, string? actor, CancellationToken cancellationToken = default)
    {
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
}
