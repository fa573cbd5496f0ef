using System.Text.Json;
using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.Testing.Tests.HBaseThrift;

/// <summary>Each test owns a server: fault rules are global to a server.</summary>
public sealed class HBaseThriftFaultInjectionTests
{
    [Theory]
    [InlineData(HBaseThriftTransport.Buffered)]
    [InlineData(HBaseThriftTransport.Framed)]
    public async Task Garbage_reply_makes_the_python_client_raise(HBaseThriftTransport transport)
    {
        await using var server = await Start(transport);
        await server.ReplyWithGarbageAsync();
        var hit = await Call(server);
        // Framed: 0xDEADBEEF is a negative frame length, which Python's framed transport reports as EOFError.
        Assert.True(hit.GetProperty("outcome").GetString() is "TProtocolException" or "TTransportException" or "EOFError", hit.ToString());
        Assert.Equal("ok", (await Call(server)).GetProperty("outcome").GetString());  // one use only
        var stats = await server.GetStatsAsync();
        Assert.Equal(1, stats.FaultsApplied["garbage"]);
        Assert.Equal(0, stats.PendingRules);
    }

    [Fact]
    public async Task Chosen_garbage_bytes_are_sent_verbatim()
    {
        await using var server = await Start();
        // A reply envelope with a bad version word: strict binary readers must refuse it.
        await server.ReplyWithGarbageAsync(bytes: [0x80, 0x02, 0x00, 0x02, 0, 0, 0, 3, (byte)'g', (byte)'e', (byte)'t', 0, 0, 0, 1]);
        var hit = await Call(server);
        Assert.Equal("TProtocolException", hit.GetProperty("outcome").GetString());
        Assert.Contains("version", hit.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Half_reply_and_dropped_connection_end_in_transport_errors()
    {
        await using var server = await Start(HBaseThriftTransport.Framed);
        await server.CloseMidReplyAsync();
        Assert.Equal("TTransportException", (await Call(server)).GetProperty("outcome").GetString());
        await server.DropConnectionAsync();
        Assert.Equal("TTransportException", (await Call(server)).GetProperty("outcome").GetString());
        Assert.Equal("ok", (await Call(server)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Delay_holds_the_reply()
    {
        await using var server = await Start();
        await server.DelayRepliesAsync(TimeSpan.FromMilliseconds(700));
        var slow = await Call(server);
        Assert.Equal("ok", slow.GetProperty("outcome").GetString());
        Assert.True(slow.GetProperty("elapsedMs").GetInt32() >= 700, slow.ToString());
    }

    [Fact]
    public async Task IOError_for_the_next_calls_with_can_retry_flag()
    {
        await using var server = await Start();
        await server.FailWithIOErrorAsync(canRetry: false, count: 2, message: "region moved");
        for (var i = 0; i < 2; i++)
        {
            var hit = await Call(server);
            Assert.Equal("TIOError", hit.GetProperty("outcome").GetString());
            Assert.Equal("region moved", hit.GetProperty("message").GetString());
            Assert.False(hit.GetProperty("canRetry").GetBoolean());
        }
        Assert.Equal("ok", (await Call(server)).GetProperty("outcome").GetString());

        await server.FailWithIOErrorAsync(canRetry: true, count: -1, method: "put");
        Assert.Equal("ok", (await Call(server)).GetProperty("outcome").GetString());  // get is not targeted
        var put = await server.RunSmokeClientAsync("put", "t", "--row", "r");
        Assert.True(put.GetProperty("canRetry").GetBoolean(), put.ToString());
        await server.ClearFaultsAsync();
        HBaseThriftFixtureTests.AssertOk(await server.RunSmokeClientAsync("put", "t", "--row", "r"), server);
    }

    [Fact]
    public async Task Faulted_call_is_still_executed_for_connection_faults()
    {
        await using var server = await Start();
        await server.DropConnectionAsync(method: "put");
        var lost = await server.RunSmokeClientAsync("put", "t", "--row", "r", "--value", "applied");
        Assert.Equal("TTransportException", lost.GetProperty("outcome").GetString());
        var read = await server.RunSmokeClientAsync("get", "t", "--row", "r");
        Assert.Equal("applied", read.GetProperty("value").GetString());
    }

    /// <summary>A private server with table <c>t</c> (family <c>e</c>, the one smoke_client writes) declared.</summary>
    private static Task<HBaseThriftServer> Start(HBaseThriftTransport transport = HBaseThriftTransport.Buffered) =>
        HBaseThriftServer.StartAsync(new HBaseThriftServerOptions
        {
            Transport = transport,
            Tables = [new HBaseTableSpec("t", [new HBaseFamilySpec("e")])],
        });

    private static Task<JsonElement> Call(HBaseThriftServer server) =>
        server.RunSmokeClientAsync("call", "t", "--timeout-ms", "5000");
}
