using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Runtime.Workers;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// The first batch of a worker replay: its first events run alone, so the fetches of the rest of the batch are answered
/// from settled answers sent ahead instead of crossing to the host one by one — with each tracked read still noted
/// against the event of the batch it served.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerFirstBatchTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;
    private const int BatchSize = 100;
    private const int Users = 400;
    private const int Orders = 800;

    private const string Job = """
        from featureplatform import Output, job

        @job("order_tier", triggers="orders", outputs=[Output("tier", str, nullable=True)])
        def order_tier(event, ctx):
            profile = ctx.fetch("profiles", event.key)
            return {"tier": profile.get("tier") if profile else None}
        """;

    [Fact]
    public async Task Only_the_first_events_of_the_first_batches_cross_to_the_host()
    {
        await using var harness = await StartAsync();
        var (rows, source) = await WorkerReplayAsync(harness, recorder: null);

        Assert.Equal(Orders, rows.Count);
        Assert.All(rows, r => Assert.Equal(Tier(r.Key), r.Value));
        // Round robin over 400 users in batches of 100: the first 4 batches meet every entity for the first time. The run
        // loop sends the second batch while the first runs, so at most two batches' first events cross; without them
        // running alone, both whole batches would (200).
        Assert.True(source.Fetches <= 2 * SettledForecast.ProbeSize,
            $"{source.Fetches} fetches crossed to the host; expected at most {2 * SettledForecast.ProbeSize} (the first events of two batches)");
    }

    [Fact]
    public async Task Tracked_reads_of_a_batch_whose_first_events_ran_alone_are_noted_against_their_own_events()
    {
        await using var harness = await StartAsync();
        var reads = new ReadIndex(harness.Hot, new RepairSettings(), TimeProvider.System);
        var results = new ResultLog(harness.Hot, new RepairSettings(), TimeProvider.System);
        await reads.EnsureTableAsync();
        await results.EnsureTableAsync();

        var (rows, _) = await WorkerReplayAsync(harness, new ComputationRecorder(results, reads));

        Assert.Equal(Orders, rows.Count);
        // Each user's profile was read by its own orders and by nothing else (a read noted against another event of the
        // batch — an index counted from the part of the batch instead of the batch — would name another user's order).
        for (var u = 0; u < Users; u += 7)
        {
            var readers = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var reader in reads.FindReadersAsync("profiles", $"u{u}", T0))
            {
                readers.Add(reader.TriggerEventId);
            }
            var own = new SortedSet<string>(Enumerable.Range(0, Orders).Where(i => i % Users == u).Select(i => $"o{i}"), StringComparer.Ordinal);
            Assert.True(own.SetEquals(readers), $"u{u}: read by [{string.Join(", ", readers)}], expected [{string.Join(", ", own)}]");
        }
    }

    [Fact]
    public void A_worker_process_runs_without_tiered_compilation_and_without_thread_pool_spinning()
    {
        var info = WorkerConnection.StartInfo(new WorkerSettings { Command = "/bin/true" }, "/tmp/unused.sock");

        Assert.Equal("0", info.Environment["DOTNET_TieredCompilation"]);
        Assert.Equal("0", info.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"]);
    }

    private static string Tier(string orderId) => int.Parse(orderId[1..], System.Globalization.CultureInfo.InvariantCulture) % Users % 2 == 0 ? "gold" : "silver";

    private static async Task<RuntimeHarness> StartAsync()
    {
        var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        var history = Enumerable.Range(0, Users).Select(u => StoredEvents.Profile($"u{u}", T0 - 1000, u % 2 == 0 ? "gold" : "silver", $"p{u}"))
            .Concat(Enumerable.Range(0, Orders).Select(i => StoredEvents.Order($"u{i % Users}", T0 + 10 * i, 1, $"o{i}")));
        await StoredEvents.StoreAsync(harness, [.. history], watermark: T0 + 10 * Orders);
        return harness;
    }

    private async Task<(Dictionary<string, string?> Rows, EventCenterDataSource Source)> WorkerReplayAsync(RuntimeHarness harness, ComputationRecorder? recorder)
    {
        var (results, source) = await WorkerReplay.RunAsync(python, harness, "order_tier", Job, T0, T0 + 10 * Orders, BatchSize, recorder);
        return (results.ToDictionary(r => r.Trigger.EventId, r => (string?)r.Values.First(v => v.Key == "tier").Value, StringComparer.Ordinal), source);
    }
}
