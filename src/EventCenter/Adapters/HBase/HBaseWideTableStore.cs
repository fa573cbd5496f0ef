using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// <see cref="IWideTableStore"/> on HBase through its Thrift2 server (<c>THBaseService</c>), with pooled
/// connections and retries of idempotent calls. Tables are created by HBase admins;
/// <see cref="EnsureTableAsync"/> only verifies them. Input is validated before anything is sent.
/// </summary>
/// <remarks>
/// Batches larger than <see cref="HBaseOptions.MaxRowsPerRequest"/>/<see cref="HBaseOptions.MaxBytesPerRequest"/>
/// go in several requests (puts: up to <see cref="HBaseOptions.PoolSize"/> at once); if one fails, <see cref="HBaseBatchException"/> says from which row on the batch may be
/// missing (rows before it were applied). Puts whose cells all carry explicit timestamps, deletes with
/// <see cref="Delete.UpToTimestamp"/>, gets and scans are retried after transient failures; other writes and
/// check-and-put are not (only when the connection could not even be opened).
/// </remarks>
public sealed partial class HBaseWideTableStore : IWideTableStore
{
    private readonly HBaseClient client;
    private readonly ConcurrentDictionary<TableName, TableSpec> specs = new();

    /// <summary>Creates the store; connections are opened on first use.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public HBaseWideTableStore(HBaseOptions options, HBaseMetrics? metrics = null, string role = "")
    {
        client = new HBaseClient(options, metrics, role);
    }

    /// <summary>The options in use.</summary>
    public HBaseOptions Options => client.Options;

    internal HBaseClient Client => client;

    /// <inheritdoc />
    public async ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateSpec(spec);
        var table = Resolve(spec.Name);
        // A one-row stateless scan of every family: HBase rejects unknown tables and families.
        var probe = new TScan
        {
            Columns = spec.Families.Select(f => new TColumn(Encoding.ASCII.GetBytes(f.Name))).ToList(),
            Caching = 1,
            Limit = 1,
        };
        try
        {
            await client.ExecuteAsync((table, probe), static (c, s, ct) => c.getScannerResults(HBaseConversions.Bytes(s.table), s.probe, 1, ct), idempotent: true, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HBaseIOException e) when (Map(e, table) is { } mapped)
        {
            throw mapped is TableNotFoundException
                ? new TableNotFoundException(table, new InvalidOperationException(
                    $"HBase table '{table}' does not exist on {Options.Host}:{Options.Port}. HBase tables are created by an administrator, e.g. " +
                    $"create '{table}', {string.Join(", ", spec.Families.Select(f => $"{{NAME => '{f.Name}', VERSIONS => {f.MaxVersions}{(f.TimeToLive is { } ttl ? $", TTL => {(long)Math.Ceiling(ttl.TotalSeconds)}" : "")}}}"))}",
                    e))
                : mapped;
        }
        specs[table] = spec with { Name = table };
    }

    /// <inheritdoc />
    public async ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        StorageValidation.ValidateGet(get);
        table = Resolve(table);
        var tget = HBaseConversions.ToTGet(get);
        try
        {
            var result = await client.ExecuteAsync((table, tget), static (c, s, ct) => c.@get(HBaseConversions.Bytes(s.table), s.tget, ct), idempotent: true, cancellationToken)
                .ConfigureAwait(false);
            return HBaseConversions.ToRow(result, get.Row);
        }
        catch (HBaseIOException e) when (Map(e, table) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(gets);
        foreach (var g in gets)
        {
            StorageValidation.ValidateGet(g);
        }
        table = Resolve(table);
        var rows = new RowResult?[gets.Count];
        foreach (var (from, count) in Chunks(gets.Count, i => gets[i].Row.Length + 64))
        {
            var chunk = new List<TGet>(count);
            for (var i = 0; i < count; i++)
            {
                chunk.Add(HBaseConversions.ToTGet(gets[from + i]));
            }
            List<TResult> results;
            try
            {
                results = await client.ExecuteAsync((table, chunk), static (c, s, ct) => c.getMultiple(HBaseConversions.Bytes(s.table), s.chunk, ct), idempotent: true, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (HBaseIOException e) when (Map(e, table) is { } mapped)
            {
                throw mapped;
            }
            if (results.Count != count)
            {
                throw new HBaseIOException($"getMultiple on '{table}' returned {results.Count} results for {count} gets.", canRetry: false);
            }
            for (var i = 0; i < count; i++)
            {
                rows[from + i] = HBaseConversions.ToRow(results[i], gets[from + i].Row);
            }
        }
        return rows;
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        StorageValidation.ValidateDeletes(deletes);
        table = Resolve(table);
        // An empty column list selects nothing (HBase would read it as "whole row").
        var effective = deletes.Select((d, i) => (Delete: d, Index: i)).Where(x => x.Delete.Columns is not { Count: 0 }).ToList();
        foreach (var (from, count) in Chunks(effective.Count, i => effective[i].Delete.Row.Length + 64))
        {
            var chunk = new List<TDelete>(count);
            var idempotent = true;
            for (var i = 0; i < count; i++)
            {
                chunk.Add(HBaseConversions.ToTDelete(effective[from + i].Delete));
                idempotent &= effective[from + i].Delete.UpToTimestamp is not null;
            }
            List<TDelete> failed;
            try
            {
                failed = await client.ExecuteAsync((table, chunk), static (c, s, ct) => c.deleteMultiple(HBaseConversions.Bytes(s.table), s.chunk, ct), idempotent, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                throw BatchFailure(e, table, "delete", effective[from].Index, count, effective[from].Delete.Row);
            }
            if (failed.Count > 0)
            {
                var firstFailed = effective.FindIndex(from, count, x => x.Delete.Row.AsSpan().SequenceEqual(failed[0].Row));
                var index = firstFailed < 0 ? effective[from].Index : effective[firstFailed].Index;
                throw new HBaseBatchException(
                    $"HBase did not apply {failed.Count} delete(s) on '{table}', the first for row {StorageValidation.Describe(failed[0].Row)} (delete #{index}).",
                    index, table, null);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        StorageValidation.ValidateRowKey(row);
        ArgumentNullException.ThrowIfNull(put);
        if (family is null || family.Length == 0 || qualifier is null)
        {
            throw new ArgumentException("CheckAndPut needs a family and a qualifier.", nameof(family));
        }
        StorageValidation.ValidatePuts([put]);
        if (!row.AsSpan().SequenceEqual(put.Row))
        {
            throw new ArgumentException($"The put's row {StorageValidation.Describe(put.Row)} differs from the checked row {StorageValidation.Describe(row)}; HBase requires them to be equal.", nameof(put));
        }
        table = Resolve(table);
        CheckFamily(table, family);
        foreach (var cell in put.Cells)
        {
            if (cell.Value.Length > Options.MaxValueBytes)
            {
                throw new ArgumentException($"A {cell.Value.Length}-byte value exceeds HBaseOptions.MaxValueBytes ({Options.MaxValueBytes}).", nameof(put));
            }
            CheckFamily(table, cell.Family);
        }
        var tput = HBaseConversions.ToTPut(put);
        try
        {
            return await client.ExecuteAsync((table, row, family, qualifier, expected, tput),
                static (c, s, ct) => c.checkAndPut(HBaseConversions.Bytes(s.table), s.row, s.family, s.qualifier, s.expected, s.tput, ct),
                idempotent: false, cancellationToken).ConfigureAwait(false);
        }
        catch (HBaseIOException e) when (Map(e, table) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => client.DisposeAsync();

    private TableName Resolve(TableName table) =>
        table.Namespace is null && Options.Namespace is { } ns ? new TableName(ns, table.Name) : table;

    private void CheckFamily(TableName table, byte[] family)
    {
        if (!specs.TryGetValue(table, out var spec))
        {
            return;
        }
        foreach (var f in spec.Families)
        {
            if (family.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(f.Name)))
            {
                return;
            }
        }
        throw new NoSuchColumnFamilyException(table, Encoding.UTF8.GetString(family));
    }

    /// <summary>Splits <paramref name="count"/> items into requests bounded by rows and estimated bytes.</summary>
    private IEnumerable<(int From, int Count)> Chunks(int count, Func<int, long> size)
    {
        var from = 0;
        while (from < count)
        {
            var n = 0;
            long bytes = 0;
            while (from + n < count && n < Options.MaxRowsPerRequest)
            {
                var s = size(from + n);
                if (n > 0 && bytes + s > Options.MaxBytesPerRequest)
                {
                    break;
                }
                bytes += s;
                n++;
            }
            yield return (from, n);
            from += n;
        }
    }

    private static Exception BatchFailure(Exception e, TableName table, string what, int index, int count, byte[] row)
    {
        if (e is HBaseIOException io && Map(io, table) is { } mapped && index == 0)
        {
            return mapped;
        }
        return new HBaseBatchException(
            $"The {what} batch on '{table}' failed at request rows #{index}..#{index + count - 1} (first row {StorageValidation.Describe(row)}): {e.Message} " +
            (index == 0 ? "Rows of that request may or may not be applied." : $"Rows before #{index} were applied; rows from #{index} on may or may not be."),
            index, table, e);
    }

    private static bool IsStoreFailure(Exception e) => e is HBaseException or HBaseTransportException;

    /// <summary>Turns HBase's TableNotFound / NoSuchColumnFamily IO errors into the contract's typed errors.</summary>
    internal static WideTableStoreException? Map(HBaseIOException e, TableName table)
    {
        if (e.Message.Contains("TableNotFoundException", StringComparison.Ordinal))
        {
            return new TableNotFoundException(table, e);
        }
        if (e.Message.Contains("NoSuchColumnFamilyException", StringComparison.Ordinal))
        {
            var m = FamilyPattern().Match(e.Message);
            return new NoSuchColumnFamilyException(table, m.Success ? m.Groups[1].Value : "(unknown)", e);
        }
        return null;
    }

    [GeneratedRegex(@"[Cc]olumn family (\S+) does not exist")]
    private static partial Regex FamilyPattern();
}
