using System.Globalization;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Runtime.Workers;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A replay whose logic runs in a worker process: the worker keeps the settled answers the host sends (each with the as-of
/// range it holds for) and answers the run's later fetches itself — the same rows as in-process, far fewer crossings.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerSettledReadsTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;
    private const int Users = 12;
    private const int Orders = 900;

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // teeth: without the worker's copies every fetch crosses to the host
    public async Task A_worker_replay_answers_settled_fetches_itself_with_the_same_rows_as_in_process(bool keepSettledReads)
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        var random = new Random(Seed());
        await StoredEvents.StoreAsync(harness, History(random), watermark: T0 + 10 * Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("order_profile", TestJobs.OrderProfile));
        var job = jobs.Find("order_profile")!;

        var expected = await ReplayAsync(job, harness, harness.DataSource.ForRun());
        Assert.Equal(Orders, expected.Count);
        Assert.True(expected.Values.Select(v => v.Tier).Distinct().Count() >= 3, "the profiles change during the range");

        var settings = new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, KeepSettledReads = keepSettledReads, MemoryLimitMb = 0 };
        await using var workers = new WorkerSupervisor(settings, new PythonHostOptions(), NullLoggerFactory.Instance);
        job.Logic = workers.For(job);
        var source = (EventCenterDataSource)harness.DataSource.ForRun();
        var actual = await ReplayAsync(job, harness, source);

        // Row for row what the in-process replay computed: each copy is used only inside the range the host gave.
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        // Every fetch crossing to the host is counted there; the worker answers the rest from its copies.
        if (keepSettledReads)
        {
            Assert.True(source.Fetches < Orders / 3, $"the host answered {source.Fetches} of {Orders} fetches; the worker's copies should answer most");
        }
        else
        {
            Assert.Equal(Orders, source.Fetches);
        }
    }

    private static async Task<Dictionary<string, (string? Tier, long Count)>> ReplayAsync(FeaturePlatform.Runtime.Jobs.RegisteredJob job, RuntimeHarness harness, IFeatureDataSource source)
    {
        var output = new CollectingOutput();
        // Small batches: the run's copies must outlive one batch (every batch names the run's scope).
        var runner = new JobRunner(job, source, [output], harness.Errors, NullLogger.Instance, mode: Diagnostics.RunMode.Replay);
        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", T0, T0 + 10 * Orders, new ReplayOptions { BatchSize = 50 }), CancellationToken.None);
        Assert.Equal(0, runner.Counters.Failures);
        return output.Results.ToDictionary(r => r.Trigger.EventId,
            r => ((string?)r.Values.First(v => v.Key == "tier").Value, (long)r.Values.First(v => v.Key == "orders").Value!), StringComparer.Ordinal);
    }

    /// <summary>Profiles that change tier at random times among the orders, so the as-of answers differ along the range.</summary>
    private static List<FeaturePlatform.EventCenter.Events.ChangeEvent> History(Random random)
    {
        string[] tiers = ["bronze", "silver", "gold", "platinum"];
        var events = new List<FeaturePlatform.EventCenter.Events.ChangeEvent>();
        for (var u = 0; u < Users; u++)
        {
            events.Add(StoredEvents.Profile($"u{u}", T0 - 1000, tiers[u % tiers.Length], $"p{u}-0"));
            for (var change = 1; change <= 4; change++)
            {
                events.Add(StoredEvents.Profile($"u{u}", T0 + random.Next(10 * Orders), tiers[random.Next(tiers.Length)], $"p{u}-{change}"));
            }
        }
        for (var i = 0; i < Orders; i++)
        {
            events.Add(StoredEvents.Order($"u{random.Next(Users)}", T0 + (10 * i) + 5, random.Next(1, 100), string.Create(CultureInfo.InvariantCulture, $"o{i}")));
        }
        return events;
    }

    private static int Seed()
    {
        var seed = Environment.TickCount;
        Console.WriteLine($"WorkerSettledReadsTests seed {seed}");
        return seed;
    }
}
