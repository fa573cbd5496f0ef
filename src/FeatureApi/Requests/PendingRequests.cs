using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.FeatureApi.Requests;

/// <summary>
/// Calls of jobs made through the request–poll API. Each call runs as a tracked task (awaited at shutdown, never
/// abandoned); its outcome is kept for <see cref="Retention"/> so polls of calls that produced no rows or failed still
/// get an answer. Results are also written to the event center, so a poll reaching another process finds them there.
/// </summary>
public sealed class PendingRequests(
    RuntimeStartup runtime,
    RuntimeSettings settings,
    IEventStore events,
    JobErrorLog errors,
    IServiceProvider services,
    ILogger<PendingRequests> logger,
    TimeProvider clock) : IHostedService
{
    /// <summary>How long calls are remembered in this process.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string Job, string RequestId), (Task<CallResult> Call, DateTimeOffset Started)> calls = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<IJobOutput>> outputs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Starts (or joins, for a repeated request id) the call of <paramref name="request"/>.</summary>
    public Task<CallResult> Start(CallRequest request)
    {
        Forget();
        return calls.GetOrAdd((request.Job, request.RequestId), _ => (RunAsync(request), clock.GetUtcNow())).Call;
    }

    /// <summary>The call of this request in this process, if it is running or finished recently.</summary>
    public Task<CallResult>? Find(string job, string requestId) =>
        calls.TryGetValue((job, requestId), out var entry) ? entry.Call : null;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(calls.Values.Select(c => c.Call)).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Failed calls were answered with their error already; shutdown only waits for them to end.
        }
        // The feature store is the host's shared instance; every other output was made here.
        foreach (var output in outputs.Values.SelectMany(o => o).Where(o => o is not FeatureStore))
        {
            await output.DisposeAsync();
        }
    }

    private async Task<CallResult> RunAsync(CallRequest request)
    {
        // Let GetOrAdd publish the task before the call runs, so a concurrent repeat joins it.
        await Task.Yield();
        var caller = new JobCaller(runtime.Registry, events, runtime.DataSource, errors, job => OutputsOf(job.Name), logger, clock);
        return await caller.CallAsync(request, stopping.Token);
    }

    /// <summary>The job's configured outputs plus the event center, which makes results pollable from any process.</summary>
    private IReadOnlyList<IJobOutput> OutputsOf(string job) => outputs.GetOrAdd(job, name =>
    {
        var configured = RuntimeOutputs.Create(settings, name, services).ToList();
        if (!configured.OfType<EventCenterOutput>().Any())
        {
            configured.Add(new EventCenterOutput(events, services.GetRequiredService<ILogger<EventCenterOutput>>()));
        }
        return configured;
    });

    /// <summary>Drops finished calls older than the retention.</summary>
    private void Forget()
    {
        var cutoff = clock.GetUtcNow() - Retention;
        foreach (var (key, entry) in calls)
        {
            if (entry.Call.IsCompleted && entry.Started < cutoff)
            {
                calls.TryRemove(key, out _);
            }
        }
    }
}
