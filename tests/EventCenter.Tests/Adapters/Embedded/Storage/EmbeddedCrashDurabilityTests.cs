using System.Globalization;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// kill -9 of a process that is writing: every batch it acknowledged must be there after reopening, and no
/// batch may be there in part.
/// </summary>
public sealed class EmbeddedCrashDurabilityTests
{
    [Theory]
    [InlineData(EmbeddedSynchronousMode.Normal, 60)]
    [InlineData(EmbeddedSynchronousMode.Full, 15)]
    public async Task Acknowledged_batches_survive_kill_9_and_no_batch_is_partial(EmbeddedSynchronousMode mode, int acksBeforeKill)
    {
        var dir = TestPaths.NewServerDirectory("embedded-crash");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var assembly = typeof(EmbeddedCrashWriter).Assembly.Location;
        await using var child = ServerProcess.Start("crash-writer", dotnet,
            ["exec", assembly, EmbeddedCrashWriter.Mode, dir, mode.ToString()], Path.Combine(dir, "writer.log"));

        // Kill it while it is writing: once it acknowledged some batches.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (LastAck(child.TailLog()) < acksBeforeKill)
        {
            Assert.True(child.IsRunning, $"writer exited early:\n{child.TailLog()}");
            Assert.True(DateTime.UtcNow < deadline, $"writer made no progress:\n{child.TailLog()}");
            await Task.Delay(20);
        }
        Assert.Equal(0, NativeSignals.Kill(child.Pid, NativeSignals.SIGKILL));
        await child.KillAsync();
        var acked = LastAck(child.TailLog(int.MaxValue));
        Assert.True(acked >= acksBeforeKill);

        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var rowsByBatch = new Dictionary<int, int>();
        await foreach (var row in store.ScanAsync(EmbeddedCrashWriter.Table, new Scan { PageSize = 1000 }))
        {
            var batch = int.Parse(System.Text.Encoding.ASCII.GetString(row.Row, 1, 7), CultureInfo.InvariantCulture);
            Assert.Equal(2, row.Cells.Count);
            Assert.Equal(batch, BitConverter.ToInt32(row.Cells[0].Value));
            rowsByBatch[batch] = rowsByBatch.GetValueOrDefault(batch) + 1;
        }
        for (var b = 0; b <= acked; b++)
        {
            Assert.True(rowsByBatch.ContainsKey(b), $"acknowledged batch {b} of {acked} is missing");
        }
        Assert.All(rowsByBatch, kv => Assert.Equal(EmbeddedCrashWriter.RowsPerBatch, kv.Value));
        // Batches form a prefix: at most the one in flight beyond the last acknowledgement printed.
        Assert.Equal(Enumerable.Range(0, rowsByBatch.Count), rowsByBatch.Keys.Order());
        Assert.InRange(rowsByBatch.Count, acked + 1, acked + 2);
    }

    private static int LastAck(string log)
    {
        var last = -1;
        foreach (var line in log.Split('\n'))
        {
            if (line.StartsWith("ACK ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), CultureInfo.InvariantCulture, out var n))
            {
                last = Math.Max(last, n);
            }
        }
        return last;
    }
}
