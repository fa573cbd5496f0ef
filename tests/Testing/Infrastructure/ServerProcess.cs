using System.Diagnostics;
using System.Text;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>
/// A server started for tests: output captured to a log file that is kept, stopped by pid (the whole
/// process tree), and its log printable when a test fails.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>How long a stopped or killed process's output may stay open after it ended (held by a process it started).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long a process may take to end after SIGKILL before stopping it fails.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock logLock = new();
    private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? stdoutPipe;

    private ServerProcess(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        this.process = process;
        LogPath = logPath;
        this.log = log;
    }

    /// <summary>Human name used in messages.</summary>
    public string Name { get; }

    /// <summary>Path of the captured stdout/stderr.</summary>
    public string LogPath { get; }

    /// <summary>Operating-system process id.</summary>
    public int Pid => process.Id;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning
    {
        get
        {
            try { return !process.HasExited; }
            catch (InvalidOperationException) { return false; }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with its output appended to <paramref name="logPath"/>.</summary>
    public static ServerProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        string logPath,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logPath)!,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var writer = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(name, process, logPath, writer);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        // The end of the process itself: WaitForExitAsync also waits for the end of its output, which a process it started
        // and that outlives it keeps open (issue 20: a benchmark hung for good stopping a host).
        process.Exited += (_, _) => server.exited.TrySetResult();
        writer.WriteLine($"--- {DateTime.UtcNow:O} starting {fileName} {string.Join(' ', info.ArgumentList)}");
        process.Start();
        server.stdoutPipe = ProcessTree.OutputOf(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs a command to completion, returning its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}.");
        }
        try
        {
            // Bounded too: a process the command started and left running may hold its output open.
            output.Append(await stdout.WaitAsync(cts.Token)).Append(await stderr.WaitAsync(cts.Token));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} exited ({process.ExitCode}) but its output stayed open past {timeout}: a process it started holds it.");
        }
        return (process.ExitCode, output.ToString());
    }

    /// <summary>The last <paramref name="maxChars"/> characters of the log, for failure messages.</summary>
    public string TailLog(int maxChars = 8000)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length <= maxChars ? text : text[^maxChars..];
        }
        catch (IOException e)
        {
            return $"(log {LogPath} unreadable: {e.Message})";
        }
    }

    /// <summary>
    /// Sends SIGTERM, waits up to <paramref name="grace"/> for the process to end, then kills it and every process it
    /// started (SIGKILL). Processes it started that outlive it are killed too. Returns within about
    /// <paramref name="grace"/> + 20 s whatever the process and its children do; throws only when the process itself
    /// survives SIGKILL.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!IsRunning)
        {
            return;
        }
        // Taken before the signal: once the process ends, its children are re-parented and no longer found from it.
        var started = ProcessTree.DescendantsOf(process.Id);
        _ = NativeSignals.Kill(process.Id, NativeSignals.SIGTERM);
        if (!await EndsWithinAsync(grace))
        {
            await KillAndWaitAsync([.. started, .. ProcessTree.DescendantsOf(process.Id)]);
        }
        await CloseOutputAsync(started);
    }

    /// <summary>Kills the process and every process it started (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!IsRunning)
        {
            return;
        }
        var started = ProcessTree.DescendantsOf(process.Id);
        await KillAndWaitAsync(started);
        await CloseOutputAsync(started);
    }

    private async Task KillAndWaitAsync(IReadOnlyList<int> started)
    {
        _ = NativeSignals.Kill(process.Id, NativeSignals.SIGKILL);
        KillSurvivors(started);
        if (!await EndsWithinAsync(KillWait))
        {
            throw new TimeoutException($"{Name} (pid {process.Id}) still runs {KillWait.TotalSeconds:0} s after SIGKILL.");
        }
    }

    /// <summary>True once the process itself has ended (not waiting for its output to close), within <paramref name="timeout"/>.</summary>
    private async Task<bool> EndsWithinAsync(TimeSpan timeout)
    {
        try
        {
            await exited.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return !IsRunning;
        }
    }

    /// <summary>
    /// Waits for the end of the ended process's output; a process it <paramref name="started"/> that outlives it and keeps
    /// the output open is killed; whatever else holds it is named in the log and not waited for.
    /// </summary>
    private async Task CloseOutputAsync(IReadOnlyList<int> started)
    {
        if (await OutputClosesWithinAsync(OutputGrace))
        {
            return;
        }
        var survivors = started.Where(ProcessTree.IsLive).ToList();
        Append($"--- {DateTime.UtcNow:O} {Name} ended but its output is still open; killing the processes it started that outlive it: {string.Join(", ", survivors)}");
        KillSurvivors(survivors);
        if (!await OutputClosesWithinAsync(OutputGrace))
        {
            Append($"--- {DateTime.UtcNow:O} {Name}'s output is still open, held by: {string.Join("; ", ProcessTree.HoldersOf(stdoutPipe))}; not waiting for it");
        }
    }

    private async Task<bool> OutputClosesWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void KillSurvivors(IEnumerable<int> pids)
    {
        foreach (var pid in pids.Where(ProcessTree.IsLive))
        {
            _ = NativeSignals.Kill(pid, NativeSignals.SIGKILL);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        process.Dispose();
        lock (logLock)
        {
            log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (logLock)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process may print after we stopped listening.
            }
        }
    }
}
