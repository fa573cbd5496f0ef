using FeaturePlatform.Runtime.Workers;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>A runner's batches stay on the worker that holds its settled reads, unless that worker is clearly busier.</summary>
public sealed class LaneChoiceTests
{
    [Fact]
    public void A_source_without_a_last_worker_takes_the_least_busy_live_one()
    {
        Assert.Equal(1, LaneChoice.Pick([(true, 2), (true, 0), (true, 1)], preferred: -1));
        Assert.Equal(2, LaneChoice.Pick([(false, 0), (true, 3), (true, 1)], preferred: -1));
    }

    [Fact]
    public void A_source_stays_on_its_last_worker_while_it_is_at_most_one_run_busier()
    {
        // Two runners on two workers: each keeps its worker although the other is momentarily free.
        Assert.Equal(0, LaneChoice.Pick([(true, 1), (true, 0)], preferred: 0));
        Assert.Equal(1, LaneChoice.Pick([(true, 0), (true, 1)], preferred: 1));
    }

    [Fact]
    public void A_source_moves_when_its_worker_is_dead_or_two_runs_busier()
    {
        Assert.Equal(1, LaneChoice.Pick([(true, 2), (true, 0)], preferred: 0));
        Assert.Equal(1, LaneChoice.Pick([(false, 0), (true, 5)], preferred: 0));
        Assert.Equal(-1, LaneChoice.Pick([(false, 0), (false, 0)], preferred: 0));
    }
}
