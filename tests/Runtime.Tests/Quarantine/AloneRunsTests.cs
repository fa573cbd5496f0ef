using FeaturePlatform.Runtime.Quarantine;

namespace FeaturePlatform.Runtime.Tests.Quarantine;

/// <summary>The gate that lets a retry after a host error have the job's worker to itself.</summary>
public sealed class AloneRunsTests
{
    [Fact]
    public async Task An_alone_run_waits_for_the_runs_in_flight_and_holds_new_ones_back_until_it_ends()
    {
        var gate = new AloneRuns();
        var first = await gate.EnterSharedAsync(CancellationToken.None);
        var second = await gate.EnterSharedAsync(CancellationToken.None);

        var alone = gate.EnterAloneAsync(CancellationToken.None).AsTask();
        var later = gate.EnterSharedAsync(CancellationToken.None).AsTask();
        Assert.False(alone.IsCompleted, "the alone run started beside two runs in flight");
        Assert.False(later.IsCompleted, "a run started while an alone run waited");

        first.Dispose();
        Assert.False(alone.IsCompleted, "the alone run started beside a run in flight");
        second.Dispose();
        var held = await alone.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(later.IsCompleted, "a run started beside the alone run");

        held.Dispose();
        (await later.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        // Nothing left held: an alone run enters at once.
        var again = gate.EnterAloneAsync(CancellationToken.None).AsTask();
        Assert.True(again.IsCompletedSuccessfully, "an alone run waited with nothing in flight");
        (await again).Dispose();
    }

    [Fact]
    public async Task Alone_runs_go_one_at_a_time_and_a_cancelled_wait_lets_the_held_runs_go()
    {
        var gate = new AloneRuns();
        var running = await gate.EnterSharedAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAloneAsync(cancel.Token).AsTask();
        var held = gate.EnterSharedAsync(CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        (await held.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        running.Dispose();

        var one = await gate.EnterAloneAsync(CancellationToken.None);
        var two = gate.EnterAloneAsync(CancellationToken.None).AsTask();
        Assert.False(two.IsCompleted, "two alone runs at once");
        one.Dispose();
        (await two.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
    }
}
