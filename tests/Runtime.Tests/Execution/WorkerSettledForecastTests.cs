using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A worker replay whose logic fetches a source by each event's key as of its time: once one batch showed the pattern,
/// the host reads the settled answers of the next batches ahead and sends them with each batch, so the first fetch of
/// an entity no longer crosses to the host on its own — and an answer sent ahead is used only inside its range.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerSettledForecastTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;
    private const int BatchSize = 50;

    /// <summary>The tier as of the order and as of 2.5 s before it (a fetch that is not as of the event's time).</summary>
    private const string Job = """
        from featureplatform import Consistency, Output, job

        @job("order_tier", triggers="orders", consistency=Consistency.FETCH_STRONG,
             outputs=[Output("tier", str, nullable=True), Output("tier_before", str, nullable=True)])
        def order_tier(event, ctx):
            now = ctx.fetch("profiles", event.key)
            before = ctx.fetch("profiles", event.key, as_of=event.time_ms - 2500)
            return {"tier": now.get("tier") if now else None, "tier_before": before.get("tier") if before else None}
        """;

    private const string NowOnly = """
        from featureplatform import Output, job

        @job("order_tier", triggers="orders", outputs=[Output("tier", str, nullable=True), Output("tier_before", str, nullable=True)])
        def order_tier(event, ctx):
            now = ctx.fetch("profiles", event.key)
            return {"tier": now.get("tier") if now else None, "tier_before": None}
        """;

    [Fact]
    public async Task First_fetches_of_entities_after_the_first_batch_are_answered_from_answers_sent_ahead()
    {
        const int users = 200, orders = 1000;
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        var history = Enumerable.Range(0, users).Select(u => StoredEvents.Profile($"u{u}", T0 - 1000, "gold", $"p{u}"))
            // Round robin: each batch of 50 orders meets 50 entities, the first 4 batches all for the first time.
            .Concat(Enumerable.Range(0, orders).Select(i => StoredEvents.Order($"u{i % users}", T0 + 10 * i, 1, $"o{i}")));
        await StoredEvents.StoreAsync(harness, [.. history], watermark: T0 + 10 * orders);

        var (rows, source) = await WorkerReplayAsync(harness, NowOnly, T0 + 10 * orders);

        Assert.Equal(orders, rows.Count);
        Assert.All(rows.Values, r => Assert.Equal("gold", r.Tier));
        // Only fetches of the first two batches cross: the first teaches the host the pattern, and the run loop sends the
        // second while the first still runs (before the pattern is known; how few of theirs cross: WorkerFirstBatchTests).
        // Without answers sent ahead, every entity's first fetch would cross: 200.
        Assert.True(source.Fetches <= 2 * BatchSize, $"{source.Fetches} fetches crossed to the host; expected at most the first two batches' {2 * BatchSize}");
    }

    [Fact]
    public async Task An_answer_sent_ahead_is_never_used_past_a_newer_version_of_the_entity()
    {
        const int users = 100, orders = 1000;
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        // Every user's tier changes in the middle of the run's range, at a time of its own: its earlier orders' answers
        // (sent ahead or not) hold only up to the change.
        static long Change(int u) => T0 + 5000 + (37 * u % 100);
        var history = Enumerable.Range(0, users).SelectMany(u => new[]
            {
                StoredEvents.Profile($"u{u}", T0 - 1000, "silver", $"p{u}-0"),
                StoredEvents.Profile($"u{u}", Change(u), "gold", $"p{u}-1"),
            })
            .Concat(Enumerable.Range(0, orders).Select(i => StoredEvents.Order($"u{i % users}", T0 + 10 * i, 1, $"o{i}")));
        await StoredEvents.StoreAsync(harness, [.. history], watermark: T0 + 10 * orders);

        var (rows, source) = await WorkerReplayAsync(harness, Job, T0 + 10 * orders);

        Assert.Equal(orders, rows.Count);
        for (var i = 0; i < orders; i++)
        {
            var (u, t) = (i % users, T0 + 10 * i);
            string? TierAt(long asOf) => asOf < T0 - 1000 ? null : asOf >= Change(u) ? "gold" : "silver";
            var expected = (TierAt(t), TierAt(t - 2500));
            Assert.True(expected == rows[$"o{i}"], $"order o{i} of u{u} at {t} (change at {Change(u)}): expected {expected}, got {rows[$"o{i}"]}");
        }
        Assert.True(source.Fetches < 2 * orders, "answers sent ahead served some fetches");
    }

    private async Task<(Dictionary<string, (string? Tier, string? Before)> Rows, EventCenterDataSource Source)> WorkerReplayAsync(RuntimeHarness harness,
        string module, long to)
    {
        var (results, source) = await WorkerReplay.RunAsync(python, harness, "order_tier", module, T0, to, BatchSize);
        var rows = results.ToDictionary(r => r.Trigger.EventId,
            r => ((string?)r.Values.First(v => v.Key == "tier").Value, (string?)r.Values.First(v => v.Key == "tier_before").Value), StringComparer.Ordinal);
        return (rows, source);
    }
}
