using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// <see cref="IWatermarkStore"/> in a wide table: row <c>source 'o' stream partition</c> or <c>source 't'</c>,
/// cell w:v = 8-byte big-endian value at a constant cell timestamp (each advance replaces the cell), advanced
/// with check-and-put against the value just read, retried until applied or no longer an advance.
/// </summary>
public sealed class WatermarkStore : IWatermarkStore
{
    private static readonly byte[] Family = "w"u8.ToArray();
    private static readonly byte[] Qualifier = "v"u8.ToArray();
    private const long CellTimestamp = 1;
    private readonly IWideTableStore _store;
    private readonly TableName _table;

    /// <summary>Creates the store over <paramref name="store"/>.</summary>
    /// <param name="store">Backend.</param>
    /// <param name="table">Table name. Default: <c>event_watermarks</c>.</param>
    public WatermarkStore(IWideTableStore store, TableName? table = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _table = table ?? new TableName(null, "event_watermarks");
    }

    /// <inheritdoc />
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        _store.EnsureTableAsync(new TableSpec(_table, [new FamilySpec("w")]), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long?> GetOffsetAsync(string source, string stream, int partition, CancellationToken cancellationToken = default) =>
        ReadAsync(OffsetRow(source, stream, partition), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> AdvanceOffsetAsync(string source, string stream, int partition, long nextOffset, CancellationToken cancellationToken = default) =>
        AdvanceAsync(OffsetRow(source, stream, partition), nextOffset, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<PartitionWatermark> GetOffsetsAsync(string source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = SourceRow(source, 'o').ToArray();
        await foreach (var row in _store.ScanAsync(_table, new Scan { Prefix = prefix }, cancellationToken))
        {
            var offset = prefix.Length;
            var stream = OrderedBytes.ReadString(row.Row, ref offset);
            var partition = BinaryPrimitives.ReadInt32BigEndian(row.Row.AsSpan(offset, 4)) ^ int.MinValue;
            yield return new PartitionWatermark(stream, partition, Value(row));
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> GetEventTimeAsync(string source, CancellationToken cancellationToken = default) =>
        ReadAsync(SourceRow(source, 't').ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> AdvanceEventTimeAsync(string source, long eventTime, CancellationToken cancellationToken = default) =>
        AdvanceAsync(SourceRow(source, 't').ToArray(), eventTime, cancellationToken);

    private async ValueTask<long?> ReadAsync(byte[] row, CancellationToken cancellationToken)
    {
        var result = await _store.GetAsync(_table, new Get(row) { Columns = [new ColumnSelector(Family, Qualifier)] }, cancellationToken);
        return result is null ? null : Value(result);
    }

    private async ValueTask<bool> AdvanceAsync(byte[] row, long value, CancellationToken cancellationToken)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        var put = new Put(row, [new Cell(Family, Qualifier, CellTimestamp, bytes)]);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await _store.GetAsync(_table, new Get(row) { Columns = [new ColumnSelector(Family, Qualifier)] }, cancellationToken);
            byte[]? expected = null;
            if (current is not null)
            {
                expected = current.Cells[0].Value;
                if (BinaryPrimitives.ReadInt64BigEndian(expected) >= value)
                {
                    return false;
                }
            }
            if (await _store.CheckAndPutAsync(_table, row, Family, Qualifier, expected, put, cancellationToken))
            {
                return true;
            }
        }
    }

    private static long Value(RowResult row) => BinaryPrimitives.ReadInt64BigEndian(row.Cells[0].Value);

    private static ByteBuffer SourceRow(string source, char kind)
    {
        var buffer = new ByteBuffer(48);
        OrderedBytes.WriteString(buffer, source);
        buffer.WriteByte((byte)kind);
        return buffer;
    }

    private static byte[] OffsetRow(string source, string stream, int partition)
    {
        var buffer = SourceRow(source, 'o');
        OrderedBytes.WriteString(buffer, stream);
        OrderedBytes.WriteInt32(buffer, partition);
        return buffer.ToArray();
    }
}
