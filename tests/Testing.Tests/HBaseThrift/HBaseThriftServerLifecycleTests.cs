using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Tests.HBaseThrift;

/// <summary>Private servers: restarts and declared tables must not disturb the shared fixture.</summary>
public sealed class HBaseThriftServerLifecycleTests
{
    [Fact]
    public async Task Restart_keeps_the_port_and_loses_the_data()
    {
        await using var server = await HBaseThriftServer.StartAsync();
        var table = UniqueName.For("restart");
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("put", table, "--row", "r", "--value", "before"), server);
        var before = await server.RunSmokeClientAsync("get", table, "--row", "r");
        Assert.Equal("before", before.GetProperty("value").GetString());
        var firstPid = server.Pid;

        await server.RestartAsync();

        Assert.NotEqual(firstPid, server.Pid);
        Assert.False(NativeSignals.IsAlive(firstPid!.Value), "old server process still alive");
        var after = await server.RunSmokeClientAsync("get", table, "--row", "r");
        Assert.Equal("TIOError", after.GetProperty("outcome").GetString());  // table gone with the data
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("roundtrip", table), server);
    }

    [Fact]
    public async Task Stopped_server_refuses_connections_until_restarted()
    {
        await using var server = await HBaseThriftServer.StartAsync();
        var pid = server.Pid!.Value;
        await server.StopAsync();
        Assert.False(server.IsRunning);
        Assert.False(NativeSignals.IsAlive(pid));
        var down = await server.RunSmokeClientAsync("call", "t");
        Assert.Equal("TTransportException", down.GetProperty("outcome").GetString());
        await server.RestartAsync();
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("roundtrip", UniqueName.For("back")), server);
    }

    [Fact]
    public async Task Tables_declared_at_start_with_namespace_and_ttl()
    {
        var options = new HBaseThriftServerOptions
        {
            Tables = [new HBaseTableSpec("fp:events", [new HBaseFamilySpec("e", 1, TimeSpan.FromDays(32))])],
        };
        await using var server = await HBaseThriftServer.StartAsync(options);
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("put", "fp:events", "--row", "r", "--value", "v"), server);
        Assert.Equal("v", (await server.RunSmokeClientAsync("get", "fp:events", "--row", "r")).GetProperty("value").GetString());
        var other = await server.RunSmokeClientAsync("put", "fp:other", "--row", "r");
        Assert.Equal("TIOError", other.GetProperty("outcome").GetString());  // auto-create is off with declared tables
        Assert.Contains("fp:events", server.TailLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discard_writes_sink_acknowledges_puts_without_storing_them()
    {
        await using var server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { DiscardWrites = true });
        var bench = await server.RunClientBenchAsync(rows: 1000, columns: 2, valueBytes: 16, batch: 250, table: "sink");
        Assert.Equal(1000, bench.GetProperty("rows").GetInt32());
        Assert.Equal(4, (await server.GetStatsAsync()).CallsOf("putMultiple"));
        var read = await server.RunSmokeClientAsync("get", "sink", "--row", "0000000000000001");
        Assert.Equal("TIOError", read.GetProperty("outcome").GetString());  // the table was never created
    }

    [Fact]
    public async Task Compact_protocol_round_trips()
    {
        await using var server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions
        {
            Transport = HBaseThriftTransport.Framed,
            Protocol = HBaseThriftProtocol.Compact,
        });
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("roundtrip", UniqueName.For("compact")), server);
    }
}
