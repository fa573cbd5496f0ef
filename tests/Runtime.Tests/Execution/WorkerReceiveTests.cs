using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Workers;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A worker process reads the host's messages on a thread of its own with real blocking reads (each message handled where
/// it was read, no epoll thread and thread-pool hop per message): its socket must stay a blocking one, which any
/// asynchronous operation on it would silently undo (.NET then emulates blocking reads with those same hops).
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerReceiveTests(PythonHostFixture python)
{
    private const int NonBlocking = 0x800; // O_NONBLOCK

    private const int CloseOnExec = 0x80000; // O_CLOEXEC: set on every socket the worker made (.NET's are); one without it was inherited

    private const string Echo = """
        from featureplatform import Output, job

        @job("echo_in_worker", triggers="orders", outputs=[Output("key", str, "The request's key.")])
        def echo_in_worker(event, ctx):
            return {"key": event.key}
        """;

    [Fact]
    public async Task The_worker_reads_a_blocking_socket_on_its_own_receive_thread()
    {
        var source = new NoReads();
        await using var jobs = await StoredEvents.LoadJobsAsync(python, source, ("echo_in_worker", Echo));
        var job = jobs.Find("echo_in_worker")!;
        await using var worker = await WorkerConnection.StartAsync("receive-test", new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, MemoryLimitMb = 0 },
            new PythonHostOptions(), NullLogger.Instance, CancellationToken.None);

        var outcomes = await worker.RunAsync(job, [new FeatureEvent("orders", "k-1", 1_700_000_000_000, "{}")], source, each: true, null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("k-1", Assert.Single(Assert.Single(outcomes).Rows).Values[0]);

        var pid = worker.ProcessId;
        var sockets = Directory.GetFiles($"/proc/{pid}/fd").Where(fd => Read(() => new FileInfo(fd).LinkTarget)?.StartsWith("socket:", StringComparison.Ordinal) == true)
            .Select(fd => (Fd: fd, Flags: Read(() => Flags(pid, Path.GetFileName(fd))))).Where(s => (s.Flags & CloseOnExec) != 0).ToList();
        Assert.NotEmpty(sockets);
        Assert.All(sockets, s => Assert.True((s.Flags & NonBlocking) == 0, $"socket {s.Fd} of the worker is non-blocking"));
        var threads = Directory.GetDirectories($"/proc/{pid}/task").Select(t => Read(() => File.ReadAllText(Path.Combine(t, "comm")).Trim())).ToList();
        Assert.True(threads.Contains("worker-receive"), $"no receive thread among the worker's threads: {string.Join(", ", threads)}");
    }

    /// <summary>The file status flags of descriptor <paramref name="fd"/> of process <paramref name="pid"/> (octal in fdinfo).</summary>
    private static int? Flags(int pid, string fd) =>
        File.ReadLines($"/proc/{pid}/fdinfo/{fd}").Where(l => l.StartsWith("flags:", StringComparison.Ordinal))
            .Select(l => Convert.ToInt32(l["flags:".Length..].Trim(), 8)).Single();

    /// <summary>What <paramref name="read"/> reads from /proc; null when the descriptor or thread went away meanwhile.</summary>
    private static T? Read<T>(Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (IOException)
        {
            return default;
        }
    }

    private sealed class NoReads : IFeatureDataSource
    {
        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => null;

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => "[]";
    }
}
