using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Hosting;

namespace FeaturePlatform.Runtime.Tests.Hosting;

/// <summary>A live runner's lag: behind (stored messages pending) it is watermark minus last event time; caught up it is 0.</summary>
public sealed class LiveRunnerLagTests
{
    [Fact]
    public void Before_any_event_the_lag_is_unknown()
    {
        var lag = LiveRunnerLag.Compute(new LiveRunnerProgress(), 5_000, [new PartitionWatermark("orders", 0, 3)]);
        Assert.Null(lag.LagMs);
        Assert.Null(lag.PendingMessages);
        Assert.Null(lag.LastEventTimeMs);
        Assert.Equal(5_000, lag.WatermarkMs);
    }

    [Fact]
    public void A_runner_behind_the_stored_messages_lags_by_the_watermark_minus_its_last_event_time()
    {
        var progress = new LiveRunnerProgress();
        progress.Completed([Event(0, 10, 1_000), Event(0, 11, 1_500), Event(1, 4, 1_200)]);
        // Partition 0 stored up to offset 20 (8 pending after 11), partition 1 up to 5 (none pending), partition 2 never run here.
        var lag = LiveRunnerLag.Compute(progress, 4_000,
            [new PartitionWatermark("orders", 0, 20), new PartitionWatermark("orders", 1, 5), new PartitionWatermark("orders", 2, 99)]);
        Assert.Equal(1_500, lag.LastEventTimeMs);
        Assert.Equal(8, lag.PendingMessages);
        Assert.Equal(2_500, lag.LagMs);
        Assert.True(lag.EventsPerSecond > 0);

        // Caught up: nothing stored is pending, whatever the watermark (it moves on while a source is idle).
        progress.Completed([Event(0, 19, 1_700)]);
        var caughtUp = LiveRunnerLag.Compute(progress, 9_000, [new PartitionWatermark("orders", 0, 20), new PartitionWatermark("orders", 1, 5)]);
        Assert.Equal(0, caughtUp.PendingMessages);
        Assert.Equal(0, caughtUp.LagMs);
        Assert.Equal(1_700, caughtUp.LastEventTimeMs);

        // Behind but the source has no event-time watermark yet: pending is known, the time lag is not.
        var noWatermark = LiveRunnerLag.Compute(progress, null, [new PartitionWatermark("orders", 0, 25)]);
        Assert.Equal(5, noWatermark.PendingMessages);
        Assert.Null(noWatermark.LagMs);
    }

    private static ChangeEvent Event(int partition, long offset, long time) => new()
    {
        Source = "orders",
        EntityKey = "u1",
        Operation = EventOperation.Insert,
        EventTime = time,
        IngestTime = time,
        Position = new SourcePosition("orders", partition, offset),
        EventId = $"e-{partition}-{offset}",
    };
}
