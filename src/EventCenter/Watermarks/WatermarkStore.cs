using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// <see cref="IWatermarkStore"/> in a wide table (layout: <see cref="WatermarkRows"/>). Values max-merge through
/// their cell timestamps, so <see cref="WriteAsync"/> is one blind multi-put however many processes write the
/// same rows; clock rules (<see cref="ClockFollow"/>) are evaluated with this store's clock when read.
/// </summary>
public sealed class WatermarkStore : IWatermarkStore
{
    private readonly IWideTableStore _store;
    private readonly TableName _table;
    private readonly TimeProvider _clock;

    /// <summary>Creates the store over <paramref name="store"/>.</summary>
    /// <param name="store">Backend.</param>
    /// <param name="table">Table name. Default: <c>event_watermarks</c>.</param>
    /// <param name="clock">Clock that evaluates clock rules on reads. Default: system time.</param>
    public WatermarkStore(IWideTableStore store, TableName? table = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _table = table ?? new TableName(null, "event_watermarks");
        _clock = clock ?? TimeProvider.System;
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        _store.EnsureTableAsync(new TableSpec(_table, [new FamilySpec("w")]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<long?> GetOffsetAsync(string source, string stream, int partition, CancellationToken cancellationToken = default) =>
        WatermarkRows.Read(await _store.GetAsync(_table, new Get(WatermarkRows.OffsetRow(source, stream, partition)), cancellationToken)).At(Now);

    /// <inheritdoc />
    public ValueTask<bool> AdvanceOffsetAsync(string source, string stream, int partition, long nextOffset, CancellationToken cancellationToken = default) =>
        AdvanceAsync(WatermarkRows.OffsetRow(source, stream, partition), nextOffset, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<PartitionWatermark> GetOffsetsAsync(string source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = WatermarkRows.SourceRow(source, 'o');
        var now = Now;
        await foreach (var row in _store.ScanAsync(_table, new Scan { Prefix = prefix }, cancellationToken))
        {
            var (stream, partition) = WatermarkRows.ParseOffsetRow(row.Row, prefix.Length);
            if (WatermarkRows.Read(row).At(now) is { } value)
            {
                yield return new PartitionWatermark(stream, partition, value);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<long?> GetEventTimeAsync(string source, CancellationToken cancellationToken = default) =>
        WatermarkRows.Read(await _store.GetAsync(_table, new Get(WatermarkRows.SourceRow(source, 't')), cancellationToken)).At(Now);

    /// <inheritdoc />
    public ValueTask<bool> AdvanceEventTimeAsync(string source, long eventTime, CancellationToken cancellationToken = default) =>
        AdvanceAsync(WatermarkRows.SourceRow(source, 't'), eventTime, cancellationToken);

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<WatermarkWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return ValueTask.CompletedTask;
        }
        var now = Now;
        return _store.PutAsync(_table, [.. writes.Select(w => WatermarkRows.PutOf(w, now))], cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<SourceMarks> ReadSourceAsync(string source, CancellationToken cancellationToken = default)
    {
        var offsetPrefixLength = WatermarkRows.SourceRow(source, 'o').Length;
        var eventTimeRow = WatermarkRows.SourceRow(source, 't');
        var offsets = new Dictionary<(string, int), long>();
        var times = new Dictionary<(string, int), StoredMark>();
        StoredMark eventTime = default;
        await foreach (var row in _store.ScanAsync(_table, new Scan { Prefix = WatermarkRows.SourcePrefix(source).ToArray() }, cancellationToken))
        {
            var mark = WatermarkRows.Read(row);
            if (row.Row.AsSpan().SequenceEqual(eventTimeRow))
            {
                eventTime = mark;
                continue;
            }
            if (row.Row.Length <= offsetPrefixLength || row.Row[offsetPrefixLength - 1] != (byte)'o')
            {
                continue;
            }
            var (stream, partition) = WatermarkRows.ParseOffsetRow(row.Row, offsetPrefixLength);
            if (PartitionTimeMarks.IsTimeStream(stream, out var topic))
            {
                times[(topic, partition)] = mark;
            }
            else if (mark.Value is { } value)
            {
                offsets[(stream, partition)] = value;
            }
        }
        return new SourceMarks(offsets, times, eventTime);
    }

    /// <summary>Conditional advance (read, then check-and-put against what was read), for callers that need the answer.</summary>
    private async ValueTask<bool> AdvanceAsync(byte[] row, long value, CancellationToken cancellationToken)
    {
        var put = new Put(row, [WatermarkRows.ValueCell(value)]);
        var columns = new[] { new ColumnSelector(WatermarkRows.Family, WatermarkRows.ValueQualifier) };
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await _store.GetAsync(_table, new Get(row) { Columns = columns }, cancellationToken);
            var stored = WatermarkRows.Read(current);
            if (stored.Value is { } existing && existing >= value)
            {
                return false;
            }
            if (await _store.CheckAndPutAsync(_table, row, WatermarkRows.Family, WatermarkRows.ValueQualifier, current?.Cells[0].Value, put, cancellationToken))
            {
                return true;
            }
        }
    }
}
