using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Runs a call in the process that accepted it, at once, when this process runs call workers: the request–poll
/// round trip then skips the calls topic (produce, fetch, hand-over to a worker, offset commit). Exactly-once still
/// comes from the claim of <see cref="CallRunner"/>; the answer is still stored in the <see cref="CallLedger"/> for
/// polls from any process. A call not answered within the caller's wait is also put on the calls topic before the
/// 202 (so it is durable there: if this process dies, a worker of another finishes it once the claim's lease ran out).
/// </summary>
/// <remarks>
/// Available between <see cref="Attach"/> (the call workers started) and <see cref="DetachAsync"/> (they stop), which
/// waits for the local runs still going: no run outlives the service that owns it. A local run is cancelled only by
/// that service stopping, never by the HTTP request that started it going away (its claim would be left to expire).
/// </remarks>
/// <param name="logger">Log of local runs that failed after their caller stopped waiting.</param>
public sealed class LocalCalls(ILogger<LocalCalls> logger)
{
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<long, Task> running = new();
    private long ids;
    private CallRunner? runner;
    private CancellationToken stopping;

    /// <summary>Whether calls accepted here run here (call workers run in this process).</summary>
    public bool Available
    {
        get
        {
            lock (gate)
            {
                return runner is not null;
            }
        }
    }

    /// <summary>Who holds the claims this process takes with the request's event for its local runs (machine/process/instance).</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}/local";

    /// <summary>Local runs in flight.</summary>
    public int Running => running.Count;

    /// <summary>Runs calls accepted from now on through <paramref name="callRunner"/> until <paramref name="stoppingToken"/>.</summary>
    public void Attach(CallRunner callRunner, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(callRunner);
        lock (gate)
        {
            runner = callRunner;
            stopping = stoppingToken;
        }
    }

    /// <summary>Stops taking calls and waits for the local runs in flight (their failures are logged, not thrown).</summary>
    public async Task DetachAsync()
    {
        lock (gate)
        {
            runner = null;
        }
        await Task.WhenAll(running.Values);
    }

    /// <summary>Starts running <paramref name="call"/> here; false when no call workers run in this process.</summary>
    /// <param name="call">The call.</param>
    /// <param name="claimed">Its claim was taken for <see cref="Owner"/> with its request event: it runs without claiming.</param>
    /// <param name="run">The run (its answer).</param>
    internal bool TryStart(CallMessage call, bool claimed, out Task<CallAnswer> run)
    {
        CallRunner? current;
        CancellationToken token;
        lock (gate)
        {
            current = runner;
            token = stopping;
        }
        if (current is null || token.IsCancellationRequested)
        {
            run = Task.FromResult<CallAnswer>(null!);
            return false;
        }
        run = current.RunAsync(call, claimed, token);
        var id = Interlocked.Increment(ref ids);
        var tracked = TrackAsync(id, call, run);
        running.TryAdd(id, tracked);
        if (tracked.IsCompleted)
        {
            running.TryRemove(id, out _); // it finished before it was added: its own removal came first
        }
        return true;
    }

    /// <summary>Waits for a local run; its failure is logged here (its caller, if still waiting, sees it too).</summary>
    private async Task TrackAsync(long id, CallMessage call, Task<CallAnswer> run)
    {
        try
        {
            await run;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            logger.LogDebug("Local run of request {RequestId} of job {Job} stopped with the call workers; the call is on the bus if its caller got a 202", call.RequestId, call.Job);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Local run of request {RequestId} of job {Job} failed; its claim expires after Runtime:Calls:ClaimLease and a worker runs it again if the call is on the bus", call.RequestId, call.Job);
        }
        finally
        {
            running.TryRemove(id, out _);
        }
    }
}
