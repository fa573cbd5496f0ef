using System.Diagnostics;
using System.Globalization;
using System.Text;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Storage.HBase;
using FeaturePlatform.EventCenter.Storage.HBase.Wire;
using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// putMultiple rows/s of the C# Thrift2 client vs Python's own (C-accelerated) Thrift client, same rows and
/// batches, against one fixture server in the same run. The server discards the decoded writes, so the figure
/// is client cost (encode + send + reply), not the Python store. Rounds alternate; the best round of each counts.
/// </summary>
internal sealed class HBasePutScenario : IBenchmarkScenario
{
    private const int Columns = 4;
    private const int ValueBytes = 64;
    private const int Batch = 1000;

    public string Name => "hbase-put";

    public string Description => "putMultiple rows/s: C# Thrift2 client vs Python thrift (accelerated), same fixture server (target ratio >= 0.8)";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var rows = context.Quick ? 20_000 : 100_000;
        var rounds = context.Quick ? 2 : 3;
        await using var server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { DiscardWrites = true }, context.CancellationToken);
        await using var client = new HBaseClient(new HBaseOptions { Port = server.Port, PoolSize = 1 });
        await RunCSharpAsync(client, "warmup", 2 * Batch, context.CancellationToken);

        double bestPython = 0, bestCSharp = 0;
        for (var round = 0; round < rounds; round++)
        {
            var python = await server.RunClientBenchAsync(rows, Columns, ValueBytes, Batch, $"bench_py_{round}", TimeSpan.FromMinutes(5));
            var pythonRate = python.GetProperty("rowsPerSecond").GetDouble();
            var csharpRate = await RunCSharpAsync(client, $"bench_cs_{round}", rows, context.CancellationToken);
            context.Log(string.Create(CultureInfo.InvariantCulture, $"round {round}: python {pythonRate:#,0} rows/s, C# {csharpRate:#,0} rows/s"));
            bestPython = Math.Max(bestPython, pythonRate);
            bestCSharp = Math.Max(bestCSharp, csharpRate);
        }
        return
        [
            Measurement.HigherIsBetter(
                $"putMultiple {rows} rows x {Columns} cells x {ValueBytes} B, batch {Batch}", bestCSharp, "rows/s", "python thrift accelerated client", bestPython),
        ];
    }

    /// <summary>The same work as client_bench.py: build each batch of TPuts, then putMultiple it.</summary>
    private static async Task<double> RunCSharpAsync(HBaseClient client, string tableName, int rows, CancellationToken cancellationToken)
    {
        var table = Encoding.UTF8.GetBytes(tableName);
        var family = "e"u8.ToArray();
        var qualifiers = Enumerable.Range(0, Columns).Select(i => Encoding.ASCII.GetBytes($"c{i}")).ToArray();
        var value = Enumerable.Repeat((byte)'v', ValueBytes).ToArray();
        var puts = new List<TPut>(Batch);
        var sw = Stopwatch.StartNew();
        for (var first = 0; first < rows; first += Batch)
        {
            puts.Clear();
            for (var r = first; r < Math.Min(first + Batch, rows); r++)
            {
                var cells = new TColumnValue[Columns];
                for (var c = 0; c < Columns; c++)
                {
                    cells[c] = new TColumnValue(family, qualifiers[c], value);
                }
                puts.Add(new TPut { Row = Encoding.ASCII.GetBytes(r.ToString("D16", CultureInfo.InvariantCulture)), ColumnValues = cells });
            }
            await client.ExecuteAsync((table, puts), static async (c, s, ct) =>
            {
                await c.PutMultipleAsync(s.table, s.puts, ct).ConfigureAwait(false);
                return true;
            }, idempotent: false, cancellationToken).ConfigureAwait(false);
        }
        return rows / sw.Elapsed.TotalSeconds;
    }
}
