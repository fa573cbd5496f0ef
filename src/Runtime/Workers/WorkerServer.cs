using System.Collections.Concurrent;
using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// The worker's side of the channel: loads each job at the version the host runs, runs each batch the host sends (calls
/// as single calls on the latency lane, batches on the bulk lane, side by side), sends the logic's reads to the host and
/// waits for their answers, and reports alive (with how overdue its longest computation is) from its own thread.
/// </summary>
internal sealed class WorkerServer : IAsyncDisposable
{
    private readonly WorkerChannel channel;
    private readonly PythonHost host;
    private readonly ConcurrentDictionary<int, ReadSlot> reads = new();
    private readonly List<Task> running = [];
    private readonly JobModules modules;
    private readonly SettledCopies settled = new();
    private readonly CallOutbox outbox;
    private readonly Thread heartbeat;
    private readonly ManualResetEventSlim stop = new();
    private readonly TimeSpan interval;
    private int nextRead;

    public WorkerServer(WorkerChannel channel, PythonHost host, TimeSpan interval)
    {
        this.channel = channel;
        this.host = host;
        this.interval = interval;
        modules = new JobModules(host);
        outbox = new CallOutbox(channel);
        heartbeat = new Thread(Beat) { IsBackground = true, Name = "worker-heartbeat" };
        heartbeat.Start();
    }

    /// <summary>
    /// Serves until the host closes the connection. Runs still in flight are not waited for: their results have nowhere
    /// to go, and one may never end (C code holding the GIL) — the caller ends the process.
    /// </summary>
    /// <remarks>
    /// The host's messages are read by a thread of their own with blocking reads: each message is handled where it was
    /// read, where an asynchronous read had the epoll thread wake a thread-pool thread for it (and a run then yielded to the
    /// pool once more) — at 64 calls in flight, the pool's wake-ups took a quarter of the worker's CPU.
    /// </remarks>
    public Task ServeAsync()
    {
        var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = new Thread(() =>
        {
            try
            {
                Receive();
                served.TrySetResult();
            }
            catch (Exception e)
            {
                served.TrySetException(e);
            }
        }) { IsBackground = true, Name = "worker-receive" };
        receiver.Start();
        return served.Task;
    }

    private void Receive()
    {
        while (channel.ReceiveFrame() is { } frame)
        {
            using var received = frame;
            using var reader = frame.Reader();
            switch (frame.Type)
            {
                case FrameType.Run:
                    var (runId, request) = WorkerMessages.ReadRun(reader);
                    running.RemoveAll(t => t.IsCompleted); // each run reports its own failure to the host
                    // Calls of a job loaded at the run's version start on this thread (posting them to the latency lane never
                    // blocks); anything that may take long (a load, a reload, a batch) goes to the pool, as this thread must
                    // go on reading the answers to the runs' reads.
                    running.Add(request.Each && !request.Tracked && modules.TryGetReady(request) is { } ready
                        ? ServeRunAsync(runId, request, ready)
                        : Task.Run(() => ServeRunAsync(runId, request, null)));
                    break;
                case FrameType.Describe:
                    var (describeId, description) = WorkerMessages.ReadDescribe(reader);
                    running.RemoveAll(t => t.IsCompleted);
                    running.Add(Task.Run(() => ServeDescribeAsync(describeId, description)));
                    break;
                case FrameType.ReadAnswer:
                    var (readId, json, error, range) = WorkerMessages.ReadReadAnswer(reader);
                    if (reads.TryRemove(readId, out var slot))
                    {
                        slot.Set(json, error, range);
                    }
                    break;
                default:
                    throw new InvalidDataException($"unexpected message {frame.Type} from the host");
            }
        }
        foreach (var slot in reads.Values)
        {
            slot.Set(null, "the host closed the connection", null);
        }
    }

    /// <summary>Imports a module for the host (its module-level code runs here, never in the host) and sends the runner's state.</summary>
    private async Task ServeDescribeAsync(long id, JobDescription request)
    {
        byte[]? answer = null;
        string? error = null;
        try
        {
            answer = await host.DescribeJobAsync(request);
        }
        catch (PythonHostException e)
        {
            error = e.Message;
        }
        channel.Send(FrameType.Described, w => WorkerMessages.WriteDescribed(w, id, answer, error));
    }

    /// <summary>Runs a batch or a group of calls; <paramref name="ready"/>: the job, when already loaded at the run's version.</summary>
    private async Task ServeRunAsync(long runId, RunRequest request, LoadedJob? ready)
    {
        try
        {
            var job = ready ?? await modules.GetAsync(request);
            var copies = settled.For(request.Scope);
            var usedBefore = copies?.ForecastsUsed ?? 0;
            foreach (var answer in request.Settled)
            {
                copies?.Add(answer.Source, answer.Key, answer.Range, answer.Json, forecast: true);
            }
            var source = request.Tracked ? new TrackedProxySource(this, runId, copies) : new ProxySource(this, runId, copies);
            if (request.Each && !request.Tracked)
            {
                // Calls: each answer goes back as soon as its call is done, never behind a slower call of the same run; the
                // calls that finish in one crossing go back in one message.
                job.InvokeEach(request.Events, source, results => CallsDone(runId, results));
                return;
            }
            var outcomes = request.Each
                ? await job.InvokeEachAsync(request.Events, source)
                : await job.InvokeBatchAsync(request.Events, source, CancellationToken.None, modules.Sets(request));
            IReadOnlyCollection<LocalFetch> local = source is TrackedProxySource tracked ? tracked.LocalFetches : [];
            var used = (int)Math.Min((copies?.ForecastsUsed ?? 0) - usedBefore, request.Settled.Count);
            channel.Send(FrameType.Result, w => WorkerMessages.WriteOutcomes(w, runId, outcomes, local, used));
        }
        catch (Exception e) when (e is not IOException)
        {
            channel.Send(FrameType.Result, w => WorkerMessages.WriteHostError(w, runId, e.Message));
        }
    }

    /// <summary>Sends finished calls' outcomes; a call that could not run at all (host stopping) fails the run's calls still out.</summary>
    private void CallsDone(long runId, IReadOnlyList<CallResult> results)
    {
        try
        {
            if (results.FirstOrDefault(r => r.Failure is not null).Failure is { } failure)
            {
                channel.Send(FrameType.Result, w => WorkerMessages.WriteHostError(w, runId, failure.Message));
                return;
            }
            outbox.Add(runId, results);
        }
        catch (IOException)
        {
            // the host is gone; the process ends with the connection
        }
    }

    /// <summary>
    /// Runs a read on the host (called on the interpreter's worker thread, GIL released); blocks until answered. A settled
    /// fetch's answer is kept in <paramref name="copies"/> for the rest of the run.
    /// </summary>
    internal string? Read(long runId, SettledCopies.Scope? copies, ReadKind kind, int eventIndex, string source, string key, long sinceMs, long untilMs, int limit,
        Consistency consistency)
    {
        var readId = Interlocked.Increment(ref nextRead);
        using var slot = new ReadSlot();
        reads[readId] = slot;
        channel.Send(FrameType.Read, w => WorkerMessages.WriteRead(w, runId, readId, kind, eventIndex, source, key, sinceMs, untilMs, limit, consistency));
        slot.Wait();
        if (slot.Error is { } error)
        {
            throw new InvalidOperationException(error);
        }
        if (copies is not null && slot.Settled is { } range)
        {
            copies.Add(source, key, range, slot.Json);
        }
        return slot.Json;
    }

    private void Beat()
    {
        while (!stop.Wait(interval))
        {
            try
            {
                channel.Send(FrameType.Heartbeat, w => w.Write(host.LongestOverdue.Ticks));
            }
            catch (IOException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Set();
        heartbeat.Join();
        await modules.DisposeAsync();
        stop.Dispose();
    }

    /// <summary>One read waiting for its answer.</summary>
    private sealed class ReadSlot : IDisposable
    {
        private readonly ManualResetEventSlim done = new();

        public string? Json { get; private set; }

        public string? Error { get; private set; }

        public SettledRange? Settled { get; private set; }

        public void Set(string? json, string? error, SettledRange? settled)
        {
            (Json, Error, Settled) = (json, error, settled);
            done.Set();
        }

        public void Wait() => done.Wait();

        public void Dispose() => done.Dispose();
    }

    /// <summary>The logic's reads, answered by the host's data source of the run (settled fetches from the run's copies when held).</summary>
    private class ProxySource(WorkerServer server, long runId, SettledCopies.Scope? copies) : IFeatureDataSource
    {
        [ThreadStatic]
        private static int t_eventIndex;

        protected static int EventIndex
        {
            get => t_eventIndex;
            set => t_eventIndex = value;
        }

        public virtual bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json)
        {
            // A settled answer holds at every consistency level: the watermark was already past it when the host sent it.
            json = null;
            return copies is not null && copies.TryGet(source, key, asOfMs, out json);
        }

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) =>
            server.Read(runId, copies, ReadKind.Fetch, EventIndex, source, key, asOfMs, asOfMs, 0, consistency);

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
            server.Read(runId, null, ReadKind.History, EventIndex, source, key, sinceMs, untilMs, limit, consistency) ?? "[]";
    }

    /// <summary>
    /// A proxy that passes on which event each read serves (read tracking on the host), and reports the fetches it answered
    /// from the run's settled copies with the result, so the host notes every read as it would have noted it crossing.
    /// </summary>
    private sealed class TrackedProxySource(WorkerServer server, long runId, SettledCopies.Scope? copies) : ProxySource(server, runId, copies), IReadObserver
    {
        private readonly ConcurrentQueue<LocalFetch> local = new();

        public IReadOnlyCollection<LocalFetch> LocalFetches => local;

        public void Observed(int eventIndex, ReadKind kind, string source, string key, long sinceMs, long untilMs) => EventIndex = eventIndex;

        public override bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json)
        {
            if (!base.TryFetchWithoutWaiting(source, key, asOfMs, consistency, out json))
            {
                return false;
            }
            local.Enqueue(new LocalFetch(EventIndex, source, key, asOfMs));
            return true;
        }
    }

    /// <summary>The jobs this worker loaded, by module path, each at the version the host runs.</summary>
    private sealed class JobModules(PythonHost host) : IAsyncDisposable
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly Dictionary<string, (LoadedJob Job, string Parameters)> jobs = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, JobParameterSet> sets = new(StringComparer.Ordinal);

        /// <summary>
        /// The job of <paramref name="request"/> when it is loaded at the run's version with the run's parameters, without
        /// waiting; null when it needs a load, a reload or new parameters, or another run is at it (<see cref="GetAsync"/>).
        /// </summary>
        public LoadedJob? TryGetReady(RunRequest request)
        {
            if (!gate.Wait(0))
            {
                return null;
            }
            try
            {
                return jobs.TryGetValue(request.JobPath, out var loaded) && loaded.Job.Version == request.Version && loaded.Parameters == request.CurrentParameters
                    ? loaded.Job
                    : null;
            }
            finally
            {
                gate.Release();
            }
        }

        public async Task<LoadedJob> GetAsync(RunRequest request)
        {
            await gate.WaitAsync();
            try
            {
                if (!jobs.TryGetValue(request.JobPath, out var loaded))
                {
                    var job = await host.LoadJobAsync(request.JobPath, EmptySource.Instance, new JobOptions { CallTimeout = request.Timeout, WatchForChanges = false });
                    loaded = (job, "");
                }
                if (loaded.Job.Version != request.Version)
                {
                    // The file changed since the worker loaded it (the host reloaded it too): load the new version.
                    var reload = await loaded.Job.ReloadAsync();
                    if (!reload.Succeeded)
                    {
                        throw reload.Error!;
                    }
                }
                if (loaded.Job.Version != request.Version)
                {
                    jobs[request.JobPath] = loaded;
                    throw new InvalidOperationException(
                        $"the job module {request.JobPath} is version {loaded.Job.Version} in the worker but the host runs {request.Version}; the next run reloads it");
                }
                if (loaded.Parameters != request.CurrentParameters)
                {
                    await loaded.Job.SetParametersAsync(Values(request.CurrentParameters));
                    loaded = (loaded.Job, request.CurrentParameters);
                }
                jobs[request.JobPath] = loaded;
                return loaded.Job;
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>Per event, its parameter set (one instance per distinct set, so the interpreter checks each once).</summary>
        public IReadOnlyList<JobParameterSet>? Sets(RunRequest request)
        {
            if (request.ParameterSets.Count == 0)
            {
                return null;
            }
            if (sets.Count > 1024)
            {
                sets.Clear();
            }
            var distinct = request.ParameterSets.Select(json => sets.GetOrAdd(json, j => new JobParameterSet(Values(j)))).ToArray();
            return [.. request.SetOfEvent.Select(i => distinct[i])];
        }

        private static Dictionary<string, object?> Values(string json)
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.Number => p.Value.TryGetInt64(out var l) ? l : (object?)p.Value.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => p.Value.GetString(),
                _ => null,
            }, StringComparer.Ordinal);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (job, _) in jobs.Values)
            {
                await job.DisposeAsync();
            }
            gate.Dispose();
        }
    }

    /// <summary>The data source a job is loaded with in a worker: every run brings its own.</summary>
    private sealed class EmptySource : IFeatureDataSource
    {
        public static EmptySource Instance { get; } = new();

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => throw new InvalidOperationException("reads go through the run's data source");

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
            throw new InvalidOperationException("reads go through the run's data source");
    }
}
