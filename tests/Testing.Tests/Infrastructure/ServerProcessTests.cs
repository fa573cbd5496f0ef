using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Testing.Tests.Infrastructure;

/// <summary>
/// Stopping a server never hangs on a process it started that outlives it and holds its output open (issue 20: a host's
/// stop waited for the end of its output, for good): the stop returns within its bound and that process is killed.
/// </summary>
public sealed class ServerProcessTests
{
    /// <summary>The grace given to SIGTERM in these tests.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>What a stop may take here: the grace, plus the output's grace twice (see ServerProcess), plus slack for a loaded machine.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task Stop_returns_and_kills_a_started_process_that_outlives_the_server_holding_its_output()
    {
        // The server leaves a background process with its stdout, then waits in a process that SIGTERM ends at once.
        var (server, leftover) = await StartWithLeftoverAsync("stop-leftover");
        await using (server)
        {
            using var cleanup = new LeftoverKill(leftover);
            var clock = Stopwatch.StartNew();
            await server.StopAsync(Grace);
            Assert.True(clock.Elapsed < StopBound, $"the stop took {clock.Elapsed.TotalSeconds:0.0} s\n{server.TailLog()}");
            Assert.False(server.IsRunning);
            await Poll.UntilAsync(() => Task.FromResult(!ProcessTree.IsLive(leftover)), TimeSpan.FromSeconds(10), $"the leftover process {leftover} ended", () => server.TailLog());
            Assert.Contains("outlive it: " + leftover.ToString(CultureInfo.InvariantCulture), server.TailLog(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_of_a_command_whose_leftover_process_holds_its_output_times_out_instead_of_hanging()
    {
        var pidFile = Path.Combine(TestPaths.NewServerDirectory("run-leftover"), "leftover.pid");
        var clock = Stopwatch.StartNew();
        try
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => ServerProcess.RunAsync("/bin/bash", ["-c", $"sleep 120 & echo $! > {pidFile}; echo done"], TimeSpan.FromSeconds(3)));
            Assert.True(clock.Elapsed < StopBound, $"the run took {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains("output stayed open", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var leftover))
            {
                _ = NativeSignals.Kill(leftover, NativeSignals.SIGKILL);
            }
        }
    }

    private static async Task<(ServerProcess Server, int Leftover)> StartWithLeftoverAsync(string name)
    {
        var directory = TestPaths.NewServerDirectory(name);
        var server = ServerProcess.Start(name, "/bin/bash", ["-c", "sleep 120 & echo \"leftover $!\"; exec sleep 121"], Path.Combine(directory, "server.log"));
        var leftover = 0;
        await Poll.UntilAsync(() => Task.FromResult(TryLeftover(server.TailLog(), out leftover)), TimeSpan.FromSeconds(30), "the server started its leftover process", () => server.TailLog());
        Assert.True(ProcessTree.IsLive(leftover));
        return (server, leftover);
    }

    private static bool TryLeftover(string log, out int pid)
    {
        var line = log.Split('\n').FirstOrDefault(l => l.StartsWith("leftover ", StringComparison.Ordinal));
        pid = 0;
        return line is not null && int.TryParse(line["leftover ".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
    }

    /// <summary>Kills the leftover process when a test fails before its stop did.</summary>
    private sealed class LeftoverKill(int pid) : IDisposable
    {
        public void Dispose()
        {
            if (ProcessTree.IsLive(pid))
            {
                _ = NativeSignals.Kill(pid, NativeSignals.SIGKILL);
            }
        }
    }
}
