using System.Text;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Tests.Consistency;

/// <summary>
/// DESIGN §4's join guarantee, checked on the real event store, watermark index and consistency waiter over
/// random schedules: two related streams, each pair's events stored and computed in a random order with random
/// delays. With trigger-strong processing every related pair is seen complete by at least one computation; without
/// the wait some schedules lose pairs — so the check can fail.
/// </summary>
public sealed class JoinGuaranteeTests
{
    private const int Schedules = 1000;
    private const string Left = "loans";
    private const string Right = "repayments";

    [Fact]
    public async Task With_trigger_strong_waits_every_related_pair_is_seen_complete_by_at_least_one_computation()
    {
        for (var seed = 0; seed < Schedules; seed++)
        {
            var lost = await RunScheduleAsync(seed, ConsistencyLevel.TriggerStrong);
            Assert.True(lost.Count == 0, $"seed {seed}: pairs {string.Join(", ", lost)} were never seen complete");
        }
    }

    [Fact]
    public async Task Without_the_wait_the_same_schedules_lose_pairs()
    {
        var violating = 0;
        for (var seed = 0; seed < Schedules; seed++)
        {
            if ((await RunScheduleAsync(seed, ConsistencyLevel.Eventual)).Count > 0)
            {
                violating++;
            }
        }
        Assert.True(violating > Schedules / 20, $"only {violating} of {Schedules} schedules lost a pair without waiting");
    }

    /// <summary>Runs one schedule; returns the pairs no computation saw complete.</summary>
    private static async Task<List<string>> RunScheduleAsync(int seed, ConsistencyLevel level)
    {
        var random = new Random(seed);
        var store = new InMemoryWideTableStore();
        var events = new EventStore(store);
        var watermarks = new WatermarkStore(store);
        await events.EnsureTablesAsync();
        await watermarks.EnsureTableAsync();
        var signal = new WatermarkSignal();
        var waiter = new ConsistencyWaiter(watermarks, signal, new ConsistencyOptions { DefaultTimeout = TimeSpan.FromSeconds(30) });

        var pairs = random.Next(1, 4);
        var steps = new List<Step>();
        var offsets = new Dictionary<string, long> { [Left] = 0, [Right] = 0 };
        for (var p = 0; p < pairs; p++)
        {
            foreach (var source in new[] { Left, Right })
            {
                var e = Event(source, $"k{p}", offsets[source]++, random);
                steps.Add(new Step(StepKind.Store, e));
                steps.Add(new Step(StepKind.Compute, e));
            }
        }
        // Arrival order, storage delay and processing delay: any interleaving of the steps, each stream's
        // stores kept in offset order (the ingest job stores a partition in order).
        Shuffle(steps, random);
        KeepStoresInOffsetOrder(steps);

        var seen = new Dictionary<string, bool>();
        var computations = new List<Task>();
        foreach (var step in steps)
        {
            if (step.Kind == StepKind.Store)
            {
                await events.WriteAsync([step.Event]);
                await watermarks.AdvanceOffsetAsync(step.Event.Source, step.Event.Position.Stream, 0, step.Event.Position.Offset + 1);
                signal.Pulse();
            }
            else
            {
                computations.Add(ComputeAsync(step.Event));
            }
            // Let started computations run a random amount before the next step (processing delay).
            for (var yields = random.Next(0, 3); yields > 0; yields--)
            {
                await Task.Yield();
            }
        }
        await Task.WhenAll(computations);
        return Enumerable.Range(0, pairs).Select(p => $"k{p}")
            .Where(key => !seen.GetValueOrDefault($"{Left}/{key}") && !seen.GetValueOrDefault($"{Right}/{key}"))
            .ToList();

        async Task ComputeAsync(ChangeEvent trigger)
        {
            if (level == ConsistencyLevel.TriggerStrong)
            {
                await waiter.WaitForStoredAsync(trigger.Source, trigger.Position);
            }
            var other = trigger.Source == Left ? Right : Left;
            var fetched = await events.GetLatestEventAsync(other, trigger.EntityKey, long.MaxValue);
            lock (seen)
            {
                seen[$"{trigger.Source}/{trigger.EntityKey}"] = fetched is not null;
            }
        }
    }

    private static ChangeEvent Event(string source, string key, long offset, Random random) => new()
    {
        Source = source,
        EntityKey = key,
        Operation = EventOperation.Message,
        EventTime = 1_767_225_600_000 + random.Next(0, 10_000),
        IngestTime = 1_767_225_600_000,
        Position = new SourcePosition(source, 0, offset),
        EventId = $"{source}-{offset}",
        After = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}"}"""),
    };

    private static void Shuffle<T>(List<T> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static void KeepStoresInOffsetOrder(List<Step> steps)
    {
        foreach (var source in new[] { Left, Right })
        {
            var slots = steps.Select((s, i) => (s, i)).Where(x => x.s.Kind == StepKind.Store && x.s.Event.Source == source).ToList();
            var ordered = slots.Select(x => x.s).OrderBy(s => s.Event.Position.Offset).ToList();
            for (var i = 0; i < slots.Count; i++)
            {
                steps[slots[i].i] = ordered[i];
            }
        }
    }

    private enum StepKind
    {
        Store,
        Compute,
    }

    private sealed record Step(StepKind Kind, ChangeEvent Event);
}
