using FeaturePlatform.EventCenter.Resilience;
using Microsoft.Extensions.Time.Testing;
namespace FeaturePlatform.EventCenter.Tests.Resilience;

public sealed class SupervisorTests
{
    [Fact]
    public void The_backoff_doubles_from_the_first_pause_up_to_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => backoff.DelayAfter(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(5), backoff.DelayAfter(int.MaxValue));
        Assert.Throws<ArgumentException>(() => new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)).Validate("x"));
    }

    [Fact]
    public async Task A_failing_loop_runs_again_after_growing_pauses_and_a_run_that_lasted_starts_the_backoff_over()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var failures = new List<SupervisedFailure>();
        var supervisor = new Supervisor(new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), clock, f =>
        {
            failures.Add(f);
            return ValueTask.CompletedTask;
        });
        var runs = 0;
        using var stop = new CancellationTokenSource();
        var supervised = supervisor.RunAsync(_ =>
        {
            runs++;
            if (runs == 4)
            {
                clock.Advance(TimeSpan.FromSeconds(9)); // this run lasted longer than the cap before failing
            }
            return runs < 6 ? Task.FromException(new InvalidOperationException($"run {runs}")) : Task.CompletedTask;
        }, stop.Token);
        while (!supervised.IsCompleted)
        {
            await Task.Yield();
            clock.Advance(TimeSpan.FromMilliseconds(250));
        }
        await supervised;
        Assert.Equal(6, runs);
        Assert.Equal([1, 2, 4, 1, 2], failures.Select(f => f.Delay.TotalSeconds));
        Assert.Equal([1, 2, 3, 1, 2], failures.Select(f => f.Failures));
        Assert.Equal("run 1", failures[0].Error.Message);
    }

    [Fact]
    public async Task Cancellation_during_a_pause_or_a_run_ends_quietly()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var supervisor = new Supervisor(new Backoff(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), clock, _ => ValueTask.CompletedTask);
        using var stop = new CancellationTokenSource();
        var pausing = supervisor.RunAsync(_ => throw new IOException("down"), stop.Token);
        await stop.CancelAsync();
        await pausing; // no exception

        using var stop2 = new CancellationTokenSource();
        var running = supervisor.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stop2.Token);
        await stop2.CancelAsync();
        await running;
    }
}
