using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// The whole event center as production builds it (embedded stores and bus, two ingest workers running), with
/// both stores wrapped in counters: once traffic stops and the idle partitions' watermarks follow the clock, many
/// idle rounds make no storage write and no watermark read, while the watermark read back keeps following the clock.
/// </summary>
public sealed class IdleStorageWritesTests
{
    [Fact]
    public async Task An_idle_platform_does_no_storage_writes_and_its_watermarks_still_follow_the_clock()
    {
        await using var center = new EventCenterHost(new Dictionary<string, string?>
        {
            ["EventCenter:TopicPartitions"] = "4",
            ["EventCenter:IngestWorkers"] = "2",
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            // Long enough that a partition whose first fetch is slow on a loaded machine (a group still forming) is not
            // taken for idle while its traffic waits: its clock-following mark would make that traffic late.
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:02",
            // The caught-up check uses the end offset the consumer last saw, so a consumer stalled past MaxDelay (a loaded
            // 2-core machine: 99 of 200 events once, at 100 ms) finds traffic below an idle partition's clock-following
            // mark: late. 1 s absorbs such stalls; what is measured (no writes while idle, the mark follows the clock) is the same.
            ["EventCenter:Sources:0:MaxDelay"] = "00:00:01",
            ["EventCenter:Sources:0:MaxOutOfOrderness"] = "00:00:00",
            ["EventCenter:Sources:0:Name"] = "orders",
            ["EventCenter:Sources:0:KeyFields:0"] = "user_id",
            ["EventCenter:Sources:0:TimeField"] = "t",
            ["EventCenter:Sources:0:IdField"] = "oid",
        });
        await center.Host.StartAsync();
        var services = center.Services;
        await services.GetRequiredService<EventCenterStartup>().Ready;
        var watermarks = services.GetRequiredService<IWatermarkStore>();
        var counters = services.GetRequiredService<IngestCounters>();

        // Traffic: 200 events over every partition; the watermark advances with it.
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var producer = services.GetRequiredService<IMessageBus>().CreateProducer())
        {
            var messages = Enumerable.Range(0, 200).Select(i => new OutgoingMessage(
                Encoding.UTF8.GetBytes($"u{i % 20}"),
                Encoding.UTF8.GetBytes($$"""{"oid":"o{{i}}","user_id":"u{{i % 20}}","t":{{(t0 + i).ToString(CultureInfo.InvariantCulture)}}}"""))).ToList();
            await producer.ProduceAsync("orders", messages);
        }
        // Described at the timeout (not when the wait starts): counts, failed batches and the watermark then.
        // At least 200: when a rebalance hands a partition over mid-batch, both members may write the same events at once
        // and each count them as written (the store keeps one copy; the count is over, never under).
        // The traffic's observed schema is merged within EventCenter:Metadata:SchemaFlushInterval: part of the traffic's work.
        var schema = services.GetRequiredService<FeaturePlatform.EventCenter.Ingestion.Schema.SchemaObserver>();
        await Poll.UntilAsync(async () => counters.Written >= 200 && await watermarks.GetEventTimeAsync("orders") >= t0 + 199 && !schema.HasPending,
            async () => $"the traffic is stored and the watermark passed it (messages {counters.Messages}, written {counters.Written}, duplicates {counters.Duplicates}, "
                + $"failed batches {counters.FailedBatches}: {counters.ConsecutiveFailedBatches.LastFailure}, idle rounds {counters.IdleRounds}, "
                + $"watermark {await watermarks.GetEventTimeAsync("orders") - t0} ms after the first event)",
            TimeSpan.FromSeconds(120));

        // Traffic stopped: the idle partitions' marks start following the clock (a change, written once).
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Poll.UntilAsync(async () => await watermarks.GetEventTimeAsync("orders") >= stoppedAt, "the idle watermark follows the clock");
        var hot = center.HotStore!;
        // A window with a group rebalance (partitions taken over, a batch re-delivered) is traffic, not idleness: measure
        // again (at most 3 times). A loaded machine can miss the group's session timeout.
        for (var attempt = 1; ; attempt++)
        {
            var messagesBefore = counters.Messages;
            var rebalancesBefore = counters.AssignmentChanges;
            var writesBefore = center.Writes;
            var readsBefore = hot.Count(StoreCall.Get, "watermarks") + hot.Count(StoreCall.Scan, "watermarks");
            var roundsBefore = counters.IdleRounds;
            var watermarkBefore = (await watermarks.GetEventTimeAsync("orders"))!.Value;

            // Idle: many idle rounds (every partition idle well past IdlePartitionTimeout), the watermark keeps moving.
            var polls = 0;
            await Poll.UntilAsync(
                async () =>
                {
                    polls++;
                    return counters.IdleRounds >= roundsBefore + 40 && await watermarks.GetEventTimeAsync("orders") >= watermarkBefore + 1_500;
                },
                "40 idle rounds and 1.5 s of watermark progress");
            if ((counters.Messages != messagesBefore || counters.AssignmentChanges != rebalancesBefore) && attempt < 3)
            {
                continue;
            }
            var writesDuringIdle = center.Writes - writesBefore;
            var readsDuringIdle = hot.Count(StoreCall.Get, "watermarks") + hot.Count(StoreCall.Scan, "watermarks") - readsBefore;

            Assert.True(writesDuringIdle == 0, $"{writesDuringIdle} storage writes while idle; hot [{hot.Describe()}] cold [{center.ColdStore!.Describe()}]");
            // The only watermark reads are this test's own polls (GetEventTimeAsync): the workers read nothing per round.
            Assert.True(readsDuringIdle <= polls, $"{readsDuringIdle} watermark reads for {polls} polls in {counters.IdleRounds - roundsBefore} idle rounds");
            break;
        }
        Assert.Equal(0, counters.LateEvents);
    }
}
