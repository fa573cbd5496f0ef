using System.Text.Json;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Tests.HBaseThrift;

[Collection(HBaseThriftCollection.Name)]
public sealed class HBaseThriftFixtureTests(HBaseThriftFixture fixture)
{
    [Fact]
    public void Buffered_server_is_running_on_loopback()
    {
        var server = fixture.Server;
        Assert.True(server.IsRunning, server.TailLog());
        Assert.Equal("127.0.0.1", server.Host);
        Assert.Contains($"READY {server.Port}", server.TailLog(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(server.GenDirectory, "hbase_thrift2", "THBaseService.py")));
    }

    [Fact]
    public async Task Python_client_round_trips_over_buffered_transport()
    {
        var result = await fixture.Server.RunSmokeClientAsync("roundtrip", "ns:" + UniqueName.For("smoke"));
        AssertOk(result, fixture.Server);
    }

    [Fact]
    public async Task Python_client_round_trips_over_framed_transport()
    {
        var framed = await fixture.GetFramedServerAsync();
        Assert.Equal(HBaseThriftTransport.Framed, framed.Options.Transport);
        var result = await framed.RunSmokeClientAsync("roundtrip", UniqueName.For("smoke"));
        AssertOk(result, framed);
    }

    [Fact]
    public async Task Buffered_client_cannot_talk_to_framed_server()
    {
        var framed = await fixture.GetFramedServerAsync();
        var (_, output) = await ServerProcess.RunAsync(
            HBaseThriftServer.Python,
            [Path.Combine(framed.ServerDirectory, "smoke_client.py"), "--port", framed.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--transport", "buffered", "--gen-dir", framed.GenDirectory, "--timeout-ms", "3000", "call", "--table", "t"],
            TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("\"outcome\": \"ok\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declared_tables_refuse_unknown_families_and_missing_tables_raise_tioerror()
    {
        var server = fixture.Server;
        var table = "fp:" + UniqueName.For("declared");
        await server.CreateTableAsync(new HBaseTableSpec(table, [new HBaseFamilySpec("x")]));
        var put = await server.RunSmokeClientAsync("put", table, "--row", "r");  // smoke_client writes family "e"
        Assert.Equal("TIOError", put.GetProperty("outcome").GetString());
        Assert.Contains("NoSuchColumnFamilyException", put.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(put.GetProperty("canRetry").GetBoolean());

        var missing = await server.RunSmokeClientAsync("call", UniqueName.For("never_written"));
        Assert.Equal("TIOError", missing.GetProperty("outcome").GetString());
        Assert.Contains("TableNotFoundException", missing.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_semantics_unit_tests_pass_under_debian_python()
    {
        var server = fixture.Server;
        var (exit, output) = await ServerProcess.RunAsync(
            HBaseThriftServer.Python,
            ["-m", "unittest", "-v", "test_handler"],
            TimeSpan.FromSeconds(120),
            new Dictionary<string, string> { ["HBASE_THRIFT_GEN_DIR"] = server.GenDirectory, ["PYTHONDONTWRITEBYTECODE"] = "1" },
            server.ServerDirectory);
        Assert.True(exit == 0, output);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_bench_reports_rows_per_second()
    {
        var table = UniqueName.For("bench");
        var result = await fixture.Server.RunClientBenchAsync(rows: 2000, columns: 4, valueBytes: 32, batch: 500, table: table);
        Assert.Equal(2000, result.GetProperty("rows").GetInt32());
        Assert.True(result.GetProperty("rowsPerSecond").GetDouble() > 0, result.ToString());
        var stats = await fixture.Server.GetStatsAsync();
        Assert.True(stats.CallsOf("putMultiple") >= 4, string.Join(",", stats.Calls));
        // Calls that name a table are counted per table too (2,000 rows in batches of 500: 4 putMultiple of this table).
        Assert.Equal(4, stats.CallsByTable.GetValueOrDefault("putMultiple " + table));
    }

    internal static void AssertOk(JsonElement result, HBaseThriftServer server) =>
        Assert.True(result.GetProperty("outcome").GetString() == "ok", $"{result}\n--- server log ---\n{server.TailLog()}");
}
