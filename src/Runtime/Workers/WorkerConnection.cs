using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// One worker process seen from the host: starts it, sends it runs, serves its reads from each run's data source, and
/// watches it. It is killed when it stops answering (<see cref="WorkerSettings.HeartbeatTimeout"/>), when a computation
/// runs past its CPU timeout by more than <see cref="WorkerSettings.KillGrace"/>, or when it uses more than
/// <see cref="WorkerSettings.MemoryLimitMb"/>; when it exits or is killed, every run in flight on it fails with a
/// <see cref="WorkerLostException"/> (the run loop retries and, for a poison event, quarantines).
/// </summary>
internal sealed class WorkerConnection : IAsyncDisposable
{
    private readonly Process process;
    private readonly WorkerChannel channel;
    private readonly WorkerSettings settings;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<long, PendingRun> runs = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> describes = new();
    private readonly WorkerCalls calls;
    private readonly SettledForecast forecast = new();
    private readonly BlockingCollection<Action> blockingReads = [];
    private readonly Thread[] readers;
    private readonly TaskCompletionSource received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource asyncReadsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int asyncReadsHeld = 1; // the connection's own hold, let go when it is disposed
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task loops = Task.CompletedTask;
    private long nextRun;
    private long callRunsSent;
    private long callsSent;
    private long lastHeartbeat = Stopwatch.GetTimestamp();
    private long overdueTicks;
    private string? killReason;
    private int disposed;

    private WorkerConnection(string name, Process process, WorkerChannel channel, WorkerSettings settings, ILogger logger)
    {
        Name = name;
        this.process = process;
        this.channel = channel;
        this.settings = settings;
        this.logger = logger;
        calls = new WorkerCalls(this);
        readers = [.. Enumerable.Range(0, settings.ReadThreads).Select(i => new Thread(ServeBlockingReads) { IsBackground = true, Name = $"{name}-read-{i}" })];
    }

    /// <summary>The worker's name in logs (job and slot).</summary>
    public string Name { get; }

    /// <summary>The worker's process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Runs in flight on this worker.</summary>
    public int InFlight => runs.Count;

    /// <summary>Runs of grouped calls sent to this worker (with <see cref="CallsSent"/>: how many calls a message carries).</summary>
    public long CallRunsSent => Interlocked.Read(ref callRunsSent);

    /// <summary>Calls sent to this worker in runs of grouped calls.</summary>
    public long CallsSent => Interlocked.Read(ref callsSent);

    /// <summary>False once the worker exited or was killed.</summary>
    public bool Alive => !lost.Task.IsCompleted && Volatile.Read(ref killReason) is null;

    /// <summary>Completes when the worker is gone.</summary>
    public Task Lost => lost.Task;

    /// <summary>Starts a worker process and waits until its interpreter runs.</summary>
    /// <exception cref="WorkerLostException">It did not start or connect within <see cref="WorkerSettings.StartTimeout"/>.</exception>
    public static async Task<WorkerConnection> StartAsync(string name, WorkerSettings settings, PythonHostOptions python, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fp-worker-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var process = new Process { StartInfo = StartInfo(settings, path), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Log(logger, name, e.Data, LogLevel.Information);
        process.ErrorDataReceived += (_, e) => Log(logger, name, e.Data, LogLevel.Warning);
        Socket? socket = null;
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.StartTimeout);
            var accepted = listener.AcceptAsync(timeout.Token).AsTask();
            if (await Task.WhenAny(accepted, process.WaitForExitAsync(timeout.Token)) != accepted)
            {
                throw new WorkerLostException($"the worker process {name} exited with code {process.ExitCode} before it connected");
            }
            socket = await accepted;
            var channel = new WorkerChannel(socket);
            channel.Send(FrameType.Init, w =>
            {
                w.Write(JsonSerializer.Serialize(python));
                w.Write(settings.HeartbeatInterval.Ticks);
            });
            // Read with a blocking read, as every later message is (an asynchronous one would make the socket non-blocking
            // for good); a worker that never answers is cut off by disposing the socket, which ends the read.
            var ready = Task.Factory.StartNew(() => ReceiveReady(channel), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            using var readyFrame = await ready.WaitAsync(timeout.Token);
            if (readyFrame?.Type != FrameType.Ready)
            {
                throw new WorkerLostException($"the worker process {name} closed the connection while starting its interpreter");
            }
            var connection = new WorkerConnection(name, process, channel, settings, logger);
            connection.Start();
            logger.LogInformation("Worker {Worker} started (pid {Pid})", name, process.Id);
            return connection;
        }
        catch (Exception e) when (e is not WorkerLostException)
        {
            socket?.Dispose();
            KillQuietly(process);
            throw cancellationToken.IsCancellationRequested ? e : new WorkerLostException($"the worker process {name} did not start: {e.Message}", e);
        }
        catch
        {
            socket?.Dispose();
            KillQuietly(process);
            throw;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The worker's first message; null when the connection closed or was cut off first.</summary>
    private static Frame? ReceiveReady(WorkerChannel channel)
    {
        try
        {
            return channel.ReceiveFrame();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>How a worker process is started (its command line and environment).</summary>
    internal static ProcessStartInfo StartInfo(WorkerSettings settings, string socketPath)
    {
        ProcessStartInfo info;
        if (settings.Command is { } command)
        {
            info = new ProcessStartInfo(command);
        }
        else
        {
            var entry = Path.Combine(AppContext.BaseDirectory, settings.EntryAssembly);
            if (!File.Exists(entry))
            {
                throw new WorkerLostException($"Runtime:Workers:EntryAssembly: {entry} does not exist; set Runtime:Workers:Command to the platform binary");
            }
            info = new ProcessStartInfo(DotnetHost());
            info.ArgumentList.Add(entry);
        }
        info.ArgumentList.Add("worker");
        info.ArgumentList.Add("--socket");
        info.ArgumentList.Add(socketPath);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        // The worker's own managed heap stays small (rows cross, data stays in the host); Python's memory is what the
        // memory limit is for. Also keeps the runtime's reserved address space modest.
        info.Environment["DOTNET_GCHeapHardLimit"] = "0x10000000";
        info.Environment["DOTNET_gcServer"] = "0";
        // A worker waits on its socket or runs Python: an idle thread-pool thread spinning for work only takes CPU from
        // the interpreter. Set here, not inherited, so an API-tuned host (spin on, docs/deployment.md) never passes it on.
        info.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        // A worker's .NET code is glue around the interpreter, compiled once fully optimised (prebuilt framework code as it
        // is) rather than tiered: tiering re-compiled ~650 methods (with an instrumented tier in between) on a background
        // thread during the worker's first seconds of work, 0.2-0.6 s of CPU taken from the interpreter's core
        // (runtime-scaleout, compute-bound job: up to 15 % of a pinned worker's core while it ran), for no measurable
        // gain afterwards. Startup takes ~0.2 s more CPU instead.
        info.Environment["DOTNET_TieredCompilation"] = "0";
        return info;
    }

    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private void Start()
    {
        foreach (var reader in readers)
        {
            reader.Start();
        }
        new Thread(Receive) { IsBackground = true, Name = $"{Name}-receive" }.Start();
        loops = Task.WhenAll(AfterReceiveAsync(), WatchAsync());
    }

    /// <summary>Runs <paramref name="events"/> of <paramref name="job"/> on this worker; reads go to <paramref name="dataSource"/>.</summary>
    /// <exception cref="WorkerLostException">The worker exited or was killed before it answered.</exception>
    public async Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, bool each,
        IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
    {
        if (each && parameters is null)
        {
            return await calls.RunAsync(job, events, dataSource, cancellationToken);
        }
        // A run's first batch would cross to the host once per entity it fetches (nothing is forecast before a fetch showed
        // the pattern): its first few events go alone, so the rest of the batch already goes with the answers read ahead.
        if (!each && SettledScopeOf(dataSource) is { } scope && events.Count > SettledForecast.ProbeSize && forecast.Probing(scope))
        {
            var probe = SettledForecast.ProbeSize;
            var head = await RunOnceAsync(job, events.Take(probe).ToList(), dataSource, each, parameters?.Take(probe).ToList(), 0, cancellationToken);
            var tail = await RunOnceAsync(job, events.Skip(probe).ToList(), dataSource, each, parameters?.Skip(probe).ToList(), probe, cancellationToken);
            return [.. head, .. tail];
        }
        return await RunOnceAsync(job, events, dataSource, each, parameters, 0, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="events"/> as one message; they are events <paramref name="offset"/>.. of the caller's batch (what
    /// a tracked read's event index is noted as).
    /// </summary>
    private async Task<IReadOnlyList<EventOutcome>> RunOnceAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, bool each,
        IReadOnlyList<JobParameterSet>? parameters, int offset, CancellationToken cancellationToken)
    {
        var runId = Interlocked.Increment(ref nextRun);
        var pending = new PendingRun(job.Name, job.Declaration.Schema, job.Loaded.Timeout, events, dataSource) { Offset = offset };
        runs[runId] = pending;
        try
        {
            if (!Alive)
            {
                throw new WorkerLostException(LostMessage());
            }
            var (sets, setOf) = Distinct(parameters);
            IReadOnlyList<SettledAnswer> ahead = each ? [] : await ForecastAsync(dataSource, events, cancellationToken);
            (pending.Scope, pending.Forecasts) = (SettledScopeOf(dataSource), ahead.Count);
            var request = Request(job, events, dataSource, each, sets, setOf, ahead);
            try
            {
                channel.Send(FrameType.Run, w => WorkerMessages.WriteRun(w, runId, request));
            }
            catch (IOException)
            {
                throw new WorkerLostException(LostMessage());
            }
            var outcomes = await pending.Completion.Task.WaitAsync(cancellationToken);
            if (pending.Scope is { } scope)
            {
                forecast.Probed(scope);
            }
            return outcomes;
        }
        finally
        {
            runs.TryRemove(runId, out _);
        }
    }

    /// <summary>Imports a job module in this worker and answers the runner's state (see <see cref="IJobDescriber"/>).</summary>
    /// <exception cref="WorkerLostException">The worker exited or was killed before it answered (the import may have ended it).</exception>
    /// <exception cref="WorkerRunException">The worker could not run the import (an error outside the module's own code).</exception>
    public async Task<byte[]> DescribeAsync(JobDescription request, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextRun);
        var pending = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        describes[id] = pending;
        try
        {
            if (!Alive)
            {
                throw new WorkerLostException(LostMessage());
            }
            try
            {
                channel.Send(FrameType.Describe, w => WorkerMessages.WriteDescribe(w, id, request));
            }
            catch (IOException)
            {
                throw new WorkerLostException(LostMessage());
            }
            return await pending.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            describes.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Sends calls that arrived together as one run (each event still a call of its own in the worker, with its own
    /// outcome); the group's outcomes are handed back to each call. Called by <see cref="WorkerCalls"/>, one sender at a time.
    /// </summary>
    internal void SendCalls(RegisteredJob job, IFeatureDataSource dataSource, IReadOnlyList<FeatureEvent> events, ICallGroup group)
    {
        var runId = Interlocked.Increment(ref nextRun);
        var pending = new PendingRun(job.Name, job.Declaration.Schema, job.Loaded.Timeout, events, dataSource, group);
        runs[runId] = pending;
        try
        {
            if (!Alive)
            {
                throw new WorkerLostException(LostMessage());
            }
            var request = Request(job, events, dataSource, each: true, [], [], []);
            channel.Send(FrameType.Run, w => WorkerMessages.WriteRun(w, runId, request));
            Interlocked.Increment(ref callRunsSent);
            Interlocked.Add(ref callsSent, events.Count);
        }
        catch (Exception e) when (e is IOException or WorkerLostException)
        {
            if (runs.TryRemove(runId, out _))
            {
                pending.Fail(e as WorkerLostException ?? new WorkerLostException(LostMessage()));
            }
        }
    }

    private RunRequest Request(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, bool each, IReadOnlyList<string> sets, int[] setOf,
        IReadOnlyList<SettledAnswer> ahead) =>
        new(job.Loaded.Path, job.Version, job.Loaded.Timeout, each, dataSource is IReadObserver, settings.KeepSettledReads ? SettledScopes.IdOf(dataSource) : 0,
            JsonSerializer.Serialize(job.Loaded.Parameters), events, sets, setOf, ahead);

    /// <summary>The settled-read scope whose answers the worker keeps for <paramref name="dataSource"/>; null when it keeps none.</summary>
    private object? SettledScopeOf(IFeatureDataSource dataSource) => settings.KeepSettledReads ? (dataSource as ISettledFetches)?.SettledScope : null;

    /// <summary>
    /// The settled answers the batch's logic is expected to fetch, read ahead (<see cref="SettledForecast"/>). A failed read
    /// sends none: the logic's own fetch then meets the failure where it can handle it.
    /// </summary>
    private async Task<IReadOnlyList<SettledAnswer>> ForecastAsync(IFeatureDataSource dataSource, IReadOnlyList<FeatureEvent> events, CancellationToken cancellationToken)
    {
        if (SettledScopeOf(dataSource) is not { } scope)
        {
            return [];
        }
        try
        {
            return await forecast.ForecastAsync((ISettledFetches)dataSource, scope, events, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Reading ahead the settled answers of a batch for worker {Worker} failed", Name);
            return [];
        }
    }

    /// <summary>
    /// The run to complete: a single run is removed by its own caller; a group of calls has no caller waiting in
    /// <see cref="RunAsync"/>, so it is removed here, exactly once (null when another thread already finished it).
    /// </summary>
    private PendingRun? Finish(long runId, PendingRun run) => run.Group is null ? run : runs.TryRemove(runId, out _) ? run : null;

    private static (IReadOnlyList<string> Sets, int[] SetOf) Distinct(IReadOnlyList<JobParameterSet>? parameters)
    {
        if (parameters is null)
        {
            return ([], []);
        }
        var index = new Dictionary<long, int>();
        var sets = new List<string>();
        var setOf = new int[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            if (!index.TryGetValue(parameters[i].Id, out var k))
            {
                k = index[parameters[i].Id] = sets.Count;
                sets.Add(JsonSerializer.Serialize(parameters[i].Values));
            }
            setOf[i] = k;
        }
        return (sets, setOf);
    }

    /// <summary>Kills the worker (its runs in flight fail with <paramref name="reason"/>).</summary>
    public void Kill(string reason)
    {
        if (Interlocked.CompareExchange(ref killReason, reason, null) is null)
        {
            logger.LogWarning("Killing worker {Worker} (pid {Pid}): {Reason}", Name, process.Id, reason);
        }
        KillQuietly(process);
        channel.Dispose();
    }

    /// <summary>
    /// The worker's messages, read on a thread of this connection's own with blocking reads and each handled where it was
    /// read: an asynchronous read has the epoll thread wake a thread-pool thread per message (measured at 64 calls in flight,
    /// thread pool not spinning as the host runs it: 7.0-7.7 µs and 0.64 context switches of host CPU per call, against
    /// 4.6-5.1 µs and 0.48 with this thread). Handling never blocks: completions run their continuations elsewhere, and
    /// reads that may wait are served asynchronously or by the read threads.
    /// </summary>
    private void Receive()
    {
        try
        {
            while (channel.ReceiveFrame() is { } frame)
            {
                using (frame)
                {
                    Handle(frame);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException or EndOfStreamException)
        {
            if (!stop.IsCancellationRequested && Volatile.Read(ref killReason) is null)
            {
                Kill($"its channel broke: {e.Message}");
            }
        }
        finally
        {
            received.TrySetResult();
        }
    }

    private void Handle(Frame frame)
    {
        using var reader = frame.Reader();
        switch (frame.Type)
        {
            case FrameType.Heartbeat:
                Volatile.Write(ref overdueTicks, reader.ReadInt64());
                Volatile.Write(ref lastHeartbeat, Stopwatch.GetTimestamp());
                break;
            case FrameType.Result:
                var (runId, outcomes, localFetches, forecastsUsed, hostError) = WorkerMessages.ReadResult(reader,
                    id => runs.TryGetValue(id, out var p) ? (p.Job, p.Schema, p.Timeout, p.Events) : null);
                if (runs.TryGetValue(runId, out var run))
                {
                    if (outcomes is not null)
                    {
                        // Fetches the worker answered from its settled copies are noted as the ones it asked for are.
                        if (run.DataSource is IReadObserver observer)
                        {
                            foreach (var f in localFetches)
                            {
                                observer.Observed(run.Offset + f.EventIndex, ReadKind.Fetch, f.Source, f.Key, f.AsOfMs, f.AsOfMs);
                            }
                        }
                        if (run.Scope is { } scope && run.Forecasts > 0)
                        {
                            forecast.Judge(scope, run.Forecasts, forecastsUsed);
                        }
                        Finish(runId, run)?.Complete(outcomes);
                    }
                    else
                    {
                        Finish(runId, run)?.Fail(new WorkerRunException($"the worker could not run the job: {hostError}"));
                    }
                }
                break;
            case FrameType.CallOutcomes:
                WorkerMessages.ReadCallOutcomes(reader, id => runs.TryGetValue(id, out var p) ? (p.Job, p.Schema, p.Timeout, p.Events) : null, (id, index, outcome) =>
                {
                    if (runs.TryGetValue(id, out var call) && call.Deliver(index, outcome) && call.Group is not null)
                    {
                        runs.TryRemove(id, out _);
                    }
                });
                break;
            case FrameType.Read:
                ServeRead(reader);
                break;
            case FrameType.Described:
                var (describeId, answer, describeError) = WorkerMessages.ReadDescribed(reader);
                if (describes.TryGetValue(describeId, out var described))
                {
                    if (answer is not null)
                    {
                        described.TrySetResult(answer);
                    }
                    else
                    {
                        described.TrySetException(new WorkerRunException($"the worker could not import the module: {describeError}"));
                    }
                }
                break;
            default:
                throw new InvalidDataException($"unexpected message {frame.Type} from worker {Name}");
        }
    }

    private void ServeRead(BinaryReader reader)
    {
        var runId = reader.ReadInt64();
        var readId = reader.ReadInt32();
        var kind = (ReadKind)reader.ReadByte();
        var eventIndex = reader.ReadInt32();
        var (source, key) = (reader.ReadString(), reader.ReadString());
        var (since, until, limit) = (reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32());
        var consistency = (Consistency)reader.ReadByte();
        if (!runs.TryGetValue(runId, out var run))
        {
            Answer(readId, null, "the run is no longer waited for");
            return;
        }
        run.Group?.Started(); // a call reading: the calls queued behind its group may go
        var data = run.DataSource;
        (data as IReadObserver)?.Observed(run.Offset + eventIndex, kind, source, key, since, until);
        // A read the source answers at once (memory) is served here; one that may wait goes to the read threads. A settled
        // answer goes with its range, so the worker answers the entity's later fetches in that range itself.
        var settled = kind == ReadKind.Fetch ? data as ISettledFetches : null;
        if (settled is not null && SettledScopeOf(data) is { } scope)
        {
            forecast.Crossed(scope, run.Keys, eventIndex, source, key, until);
        }
        if (settled is not null && settled.TryGetSettled(source, key, until, out var known, out var from, out var to))
        {
            Answer(readId, known, null, new SettledRange(from, to));
            return;
        }
        if (kind == ReadKind.Fetch ? data.TryFetchWithoutWaiting(source, key, until, consistency, out var cached)
            : data.TryHistoryWithoutWaiting(source, key, since, until, limit, consistency, out cached))
        {
            Answer(readId, cached, null);
            return;
        }
        if (data is IAsyncFeatureReads { ReadsAsync: true } async)
        {
            // Held by no thread while the event center answers (see IAsyncFeatureReads); counted until it has answered.
            Interlocked.Increment(ref asyncReadsHeld);
            _ = ReadAsync(async, settled, readId, kind, source, key, since, until, limit, consistency);
            return;
        }
        void Read()
        {
            try
            {
                var json = kind == ReadKind.Fetch ? data.Fetch(source, key, until, consistency) : data.History(source, key, since, until, limit, consistency);
                // The fetch may just have made the state settled (read from the event center and remembered).
                SettledRange? range = settled is not null && settled.TryGetSettledRange(source, key, until, out var f, out var t) ? new SettledRange(f, t) : null;
                Answer(readId, json, null, range);
            }
            catch (Exception e) when (e is not IOException)
            {
                Answer(readId, null, e.Message);
            }
        }
        if (!data.MayBlock)
        {
            Read();
            return;
        }
        try
        {
            blockingReads.Add(Read);
        }
        catch (InvalidOperationException)
        {
            // stopping: the worker is going away with its runs
        }
    }

    /// <summary>Serves one read asynchronously and answers it; never throws (a failed read is answered with its error).</summary>
    private async Task ReadAsync(IAsyncFeatureReads data, ISettledFetches? settled, int readId, ReadKind kind, string source, string key,
        long since, long until, int limit, Consistency consistency)
    {
        try
        {
            var json = kind == ReadKind.Fetch ? await data.FetchAsync(source, key, until, consistency)
                : await data.HistoryAsync(source, key, since, until, limit, consistency);
            SettledRange? range = settled is not null && settled.TryGetSettledRange(source, key, until, out var f, out var t) ? new SettledRange(f, t) : null;
            Answer(readId, json, null, range);
        }
        catch (Exception e)
        {
            Answer(readId, null, e.Message);
        }
        finally
        {
            ReleaseAsyncRead();
        }
    }

    /// <summary>Counts an asynchronous read (or the connection's own hold) off; the last one lets <see cref="DisposeAsync"/> go on.</summary>
    private void ReleaseAsyncRead()
    {
        if (Interlocked.Decrement(ref asyncReadsHeld) == 0)
        {
            asyncReadsDone.TrySetResult();
        }
    }

    private void Answer(int readId, string? json, string? error, SettledRange? settled = null)
    {
        try
        {
            channel.Send(FrameType.ReadAnswer, w => WorkerMessages.WriteReadAnswer(w, readId, json, error, settled));
        }
        catch (IOException)
        {
            // the worker is gone; its runs fail with the reason
        }
    }

    private void ServeBlockingReads()
    {
        foreach (var read in blockingReads.GetConsumingEnumerable())
        {
            read();
        }
    }

    private async Task WatchAsync()
    {
        var limit = settings.MemoryLimitMb * 1024L * 1024L;
        try
        {
            while (Alive && !stop.IsCancellationRequested)
            {
                await Task.Delay(settings.HeartbeatInterval, stop.Token);
                var silent = Stopwatch.GetElapsedTime(Volatile.Read(ref lastHeartbeat));
                var overdue = TimeSpan.FromTicks(Volatile.Read(ref overdueTicks));
                if (silent > settings.HeartbeatTimeout)
                {
                    Kill($"it stopped answering ({silent.TotalSeconds:0.#} s without a heartbeat)");
                }
                else if (overdue > settings.KillGrace)
                {
                    Kill($"a computation ignored its CPU timeout ({overdue.TotalSeconds:0.#} s past it; the limit is Runtime:Workers:KillGrace = {settings.KillGrace.TotalSeconds:0.#} s)");
                }
                else if (limit > 0 && Resident() is var rss && rss > limit)
                {
                    Kill($"it used {rss >> 20} MiB of memory (Runtime:Workers:MemoryLimitMb = {settings.MemoryLimitMb})");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private long Resident()
    {
        try
        {
            process.Refresh();
            return process.HasExited ? 0 : process.WorkingSet64;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Once the worker's messages end (it exited, broke its channel or is being stopped): waits for it to exit and fails its runs.</summary>
    private async Task AfterReceiveAsync()
    {
        await received.Task;
        await Exited();
    }

    private async Task Exited()
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            KillQuietly(process);
        }
        lost.TrySetResult();
        blockingReads.CompleteAdding();
        var message = LostMessage();
        if (!stop.IsCancellationRequested)
        {
            logger.LogError("Worker {Worker} is gone: {Reason}; {Runs} runs in flight fail and are retried", Name, message, runs.Count);
        }
        foreach (var (runId, run) in runs)
        {
            Finish(runId, run)?.Fail(new WorkerLostException(message));
        }
        foreach (var described in describes.Values)
        {
            described.TrySetException(new WorkerLostException(message));
        }
    }

    private string LostMessage()
    {
        var code = process.HasExited ? process.ExitCode : (int?)null;
        var how = Volatile.Read(ref killReason) is { } reason ? $"was killed: {reason}"
            : code is > 128 and < 160 ? $"crashed (killed by signal {code - 128})"
            : code is { } c ? $"exited with code {c}"
            : "is gone";
        return $"the job's worker process {how}";
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // not started or already exited
        }
    }

    private static void Log(ILogger logger, string name, string? line, LogLevel level)
    {
        if (line is not null)
        {
            logger.Log(level, "Worker {Worker}: {Line}", name, line);
        }
    }

    /// <summary>Stops the worker: closes the connection (it exits) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await stop.CancelAsync();
        channel.Dispose();
        await loops;
        foreach (var reader in readers)
        {
            reader.Join();
        }
        ReleaseAsyncRead();
        await asyncReadsDone.Task;
        process.Dispose();
        stop.Dispose();
        blockingReads.Dispose();
    }

    /// <summary>
    /// A run waiting for its outcomes: all at once (a batch's result) or one by one as its calls finish; a group of calls
    /// (<paramref name="Group"/>) takes them instead of <see cref="Completion"/>.
    /// </summary>
    private sealed record PendingRun(string Job, ResultSchema Schema, TimeSpan Timeout, IReadOnlyList<FeatureEvent> Events, IFeatureDataSource DataSource,
        ICallGroup? Group = null)
    {
        private readonly Lock gate = new();
        private EventOutcome?[]? collected;
        private int remaining = Events.Count;
        private EventKeys? keys;

        /// <summary>The settled-read scope of the run's data source when the worker keeps its answers.</summary>
        public object? Scope { get; set; }

        /// <summary>Settled answers sent ahead with the run.</summary>
        public int Forecasts { get; set; }

        /// <summary>The index of the run's first event in the batch it is part of (a batch's first events may go alone).</summary>
        public int Offset { get; init; }

        /// <summary>The run's events by key and time (read by the receive loop only).</summary>
        public EventKeys Keys => keys ??= new EventKeys(Events);

        public TaskCompletionSource<IReadOnlyList<EventOutcome>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>One call's outcome; true when the run has them all.</summary>
        public bool Deliver(int index, EventOutcome outcome)
        {
            EventOutcome?[]? all = null;
            lock (gate)
            {
                collected ??= new EventOutcome?[Events.Count];
                if (collected[index] is not null)
                {
                    return remaining == 0;
                }
                collected[index] = outcome;
                if (--remaining == 0)
                {
                    all = collected;
                }
            }
            Group?.Deliver(index, outcome);
            if (all is not null && Group is null)
            {
                Completion.TrySetResult([.. all.Select(o => o!)]);
            }
            return all is not null;
        }

        public void Complete(IReadOnlyList<EventOutcome> outcomes)
        {
            if (Group is null)
            {
                Completion.TrySetResult(outcomes);
                return;
            }
            for (var i = 0; i < outcomes.Count; i++)
            {
                Deliver(i, outcomes[i]);
            }
        }

        public void Fail(Exception error)
        {
            if (Group is null)
            {
                Completion.TrySetException(error);
            }
            else
            {
                Group.Fail(error);
            }
        }
    }
}

/// <summary>Calls sent to a worker as one run: takes each call's outcome as it comes, or the run's failure.</summary>
internal interface ICallGroup
{
    /// <summary>The outcome of event <paramref name="index"/> of the run.</summary>
    void Deliver(int index, EventOutcome outcome);

    /// <summary>The run failed: every call still waiting fails with <paramref name="error"/>.</summary>
    void Fail(Exception error);

    /// <summary>One of the run's calls reads: the worker is running them (called again on every read; only the first counts).</summary>
    void Started();
}

/// <summary>The worker process running a job's events exited, crashed, or was killed for breaking a limit.</summary>
public sealed class WorkerLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerLostException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public WorkerLostException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>A worker could not run a job at all (the module failed to load there, or its version differs).</summary>
public sealed class WorkerRunException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerRunException(string message) : base(message)
    {
    }
}
