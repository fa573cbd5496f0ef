using System.Diagnostics;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// The embedded wide-table store's own overhead: batched puts (and a full scan) through
/// <see cref="EmbeddedWideTableStore"/> against the same bytes written with bare prepared SQLite INSERTs
/// (same engine, same schema, same pragmas, one transaction per batch) in the same run.
/// </summary>
internal sealed class EmbeddedPutScenario : IBenchmarkScenario
{
    private const int BatchRows = 500;
    private const int ValueBytes = 200;
    private const int Rounds = 3;

    public string Name => "embedded-put";

    public string Description => "embedded store batched puts/scan (rows/s) vs bare SQLite INSERT/SELECT of the same bytes";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var rows = context.Quick ? 20_000 : 200_000;
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-embedded-" + Environment.ProcessId);
        var measurements = new List<Measurement>();
        try
        {
            foreach (var (cellsPerRow, salted) in new[] { (1, false), (4, false), (1, true) })
            {
                var data = Generate(rows, cellsPerRow, seed: cellsPerRow, salted);
                var label = $"{cellsPerRow} cell(s)/row, {(salted ? "16 salts x time-ordered keys" : "random keys")}";
                // Warm-up (JIT), then the best of alternating rounds of each (the machine is shared: best-of filters noise).
                await MeasureStoreAsync(Path.Combine(root, $"warm-store-{cellsPerRow}-{salted}"), Generate(5_000, cellsPerRow, 99, salted), context.CancellationToken);
                MeasureBare(Path.Combine(root, $"warm-bare-{cellsPerRow}-{salted}"), Generate(5_000, cellsPerRow, 99, salted));
                double store = 0, bare = 0, storeScan = 0, bareScan = 0;
                for (var round = 0; round < Rounds; round++)
                {
                    var b = MeasureBare(Path.Combine(root, $"bare-{cellsPerRow}-{salted}-{round}"), data);
                    var s = await MeasureStoreAsync(Path.Combine(root, $"store-{cellsPerRow}-{salted}-{round}"), data, context.CancellationToken);
                    bare = Math.Max(bare, b.PutRowsPerSecond);
                    store = Math.Max(store, s.PutRowsPerSecond);
                    bareScan = Math.Max(bareScan, b.ScanRowsPerSecond);
                    storeScan = Math.Max(storeScan, s.ScanRowsPerSecond);
                    context.Log($"{label} round {round}: store put {s.PutRowsPerSecond:N0}/s scan {s.ScanRowsPerSecond:N0}/s; bare put {b.PutRowsPerSecond:N0}/s scan {b.ScanRowsPerSecond:N0}/s");
                }
                measurements.Add(Measurement.HigherIsBetter($"put {BatchRows}-row batches, {label}", store, "rows/s", "bare SQLite INSERT, same batches", bare));
                measurements.Add(Measurement.HigherIsBetter($"full forward scan, {label}", storeScan, "rows/s", "bare SQLite ordered SELECT", bareScan));
            }
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Temp files; nothing else to do.
            }
        }
        return measurements;
    }

    // salted = false: uniformly random keys (worst case for a B-tree: every batch dirties ~one page per row);
    // salted = true: the event-center layout, a 1-byte salt then increasing time (inserts append at 16 places).
    private static List<Put> Generate(int rows, int cellsPerRow, int seed, bool salted)
    {
        var random = new Random(seed);
        var family = "e"u8.ToArray();
        var puts = new List<Put>(rows);
        for (var i = 0; i < rows; i++)
        {
            // Salted-looking keys: 2-byte salt, 8-byte entity hash, 8-byte time, 4-byte sequence.
            var key = new byte[22];
            random.NextBytes(key);
            if (salted)
            {
                key[0] = (byte)(i % 16);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), 1_700_000_000_000 + i);
            }
            var cells = new Cell[cellsPerRow];
            for (var c = 0; c < cellsPerRow; c++)
            {
                var value = new byte[ValueBytes];
                random.NextBytes(value);
                cells[c] = new Cell(family, [(byte)'q', (byte)c], 1_700_000_000_000 + i, value);
            }
            puts.Add(new Put(key, cells));
        }
        return puts;
    }

    private static async Task<(double PutRowsPerSecond, double ScanRowsPerSecond)> MeasureStoreAsync(string dir, List<Put> data, CancellationToken cancellationToken)
    {
        var table = new TableName(null, "bench");
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        await store.EnsureTableAsync(new TableSpec(table, [new FamilySpec("e")]), cancellationToken);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < data.Count; i += BatchRows)
        {
            await store.PutAsync(table, data.GetRange(i, Math.Min(BatchRows, data.Count - i)), cancellationToken);
        }
        var put = data.Count / watch.Elapsed.TotalSeconds;
        watch.Restart();
        var count = 0;
        await foreach (var _ in store.ScanAsync(table, new Scan { PageSize = 1000 }, cancellationToken))
        {
            count++;
        }
        // Measured warm (second pass), like the bare scan whose connection just wrote the pages.
        watch.Restart();
        count = 0;
        await foreach (var _ in store.ScanAsync(table, new Scan { PageSize = 1000 }, cancellationToken))
        {
            count++;
        }
        var scan = count / watch.Elapsed.TotalSeconds;
        if (count != data.Count)
        {
            throw new InvalidOperationException($"store scan returned {count} rows, expected {data.Count}");
        }
        return (put, scan);
    }

    private static (double PutRowsPerSecond, double ScanRowsPerSecond) MeasureBare(string dir, List<Put> data)
    {
        Directory.CreateDirectory(dir);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "bare.db")};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384; " +
            "CREATE TABLE t(row BLOB NOT NULL, fam BLOB NOT NULL, qual BLOB NOT NULL, nts INTEGER NOT NULL, val BLOB NOT NULL, PRIMARY KEY(row, fam, qual, nts)) WITHOUT ROWID");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t(row, fam, qual, nts, val) VALUES ($r, $f, $q, $t, $v)";
        var p = new[] { insert.Parameters.Add("$r", SqliteType.Blob), insert.Parameters.Add("$f", SqliteType.Blob), insert.Parameters.Add("$q", SqliteType.Blob), insert.Parameters.Add("$t", SqliteType.Integer), insert.Parameters.Add("$v", SqliteType.Blob) };
        insert.Prepare();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < data.Count; i += BatchRows)
        {
            using var tx = connection.BeginTransaction();
            insert.Transaction = tx;
            for (var j = i; j < Math.Min(i + BatchRows, data.Count); j++)
            {
                p[0].Value = data[j].Row;
                foreach (var cell in data[j].Cells)
                {
                    p[1].Value = cell.Family;
                    p[2].Value = cell.Qualifier;
                    p[3].Value = -cell.Timestamp;
                    p[4].Value = cell.Value;
                    insert.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
        var put = data.Count / watch.Elapsed.TotalSeconds;
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT row, fam, qual, nts, val FROM t ORDER BY row, fam, qual, nts";
        _ = BareScan(select);
        watch.Restart();
        var rows = BareScan(select);
        var scan = rows / watch.Elapsed.TotalSeconds;
        return (put, scan);
    }

    private static int BareScan(SqliteCommand select)
    {
        var rows = 0;
        byte[]? last = null;
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                var row = reader.GetFieldValue<byte[]>(0);
                _ = reader.GetFieldValue<byte[]>(1);
                _ = reader.GetFieldValue<byte[]>(2);
                _ = reader.GetInt64(3);
                _ = reader.GetFieldValue<byte[]>(4);
                if (last is null || !row.AsSpan().SequenceEqual(last))
                {
                    rows++;
                    last = row;
                }
            }
        }
        return rows;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
