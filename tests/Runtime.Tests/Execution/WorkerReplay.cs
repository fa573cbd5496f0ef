using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Runtime.Workers;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>A replay of stored orders whose logic runs in a worker process (its own run scope), for the worker read tests.</summary>
internal static class WorkerReplay
{
    /// <summary>Replays orders in [<paramref name="from"/>, <paramref name="to"/>) through <paramref name="module"/>'s job <paramref name="name"/>; returns its rows and the run's data source.</summary>
    public static async Task<(IReadOnlyList<FeatureResult> Rows, EventCenterDataSource Source)> RunAsync(PythonHostFixture python, RuntimeHarness harness, string name,
        string module, long from, long to, int batchSize, ComputationRecorder? recorder = null)
    {
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, (name, module));
        var job = jobs.Find(name)!;
        var settings = new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, MemoryLimitMb = 0 };
        await using var workers = new WorkerSupervisor(settings, new PythonHostOptions(), NullLoggerFactory.Instance);
        job.Logic = workers.For(job);
        var source = (EventCenterDataSource)harness.DataSource.ForRun();
        var output = new CollectingOutput();
        var runner = new JobRunner(job, source, [output], harness.Errors, NullLogger.Instance, mode: Diagnostics.RunMode.Replay, recorder: recorder);
        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", from, to, new ReplayOptions { BatchSize = batchSize }), CancellationToken.None);
        Assert.Equal(0, runner.Counters.Failures);
        return (output.Results, source);
    }
}
