using FeaturePlatform.EventCenter.Adapters.Kafka;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Kafka;

public sealed class KafkaClientThreadTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Calls_run_in_order_on_one_thread_that_is_not_a_pool_thread()
    {
        var thread = new KafkaClientThread("test");
        var ran = new List<(int Call, int Thread, bool Pool)>();
        var calls = Enumerable.Range(0, 20)
            .Select(i => thread.RunAsync(() =>
            {
                ran.Add((i, Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
                return i;
            }, CancellationToken.None))
            .ToList();

        Assert.Equal(Enumerable.Range(0, 20), await Task.WhenAll(calls).WaitAsync(Wait));
        await thread.CompleteAsync(() => { }).WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(0, 20), ran.Select(r => r.Call));
        Assert.Single(ran.Select(r => r.Thread).Distinct());
        Assert.DoesNotContain(ran, r => r.Pool);
    }

    [Fact]
    public async Task A_call_cancelled_while_queued_ends_at_once_and_never_runs()
    {
        var thread = new KafkaClientThread("test");
        using var release = new ManualResetEventSlim();
        var busy = thread.RunAsync(() => release.Wait(Wait), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var ranQueued = false;
        var queued = thread.RunAsync(() => ranQueued = true, cancel.Token);

        await cancel.CancelAsync();

        // Cancelled while the thread is still busy with the first call.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Wait));
        Assert.False(busy.IsCompleted);
        release.Set();
        Assert.True(await busy.WaitAsync(Wait));
        await thread.CompleteAsync(() => { }).WaitAsync(Wait);
        Assert.False(ranQueued);
    }

    [Fact]
    public async Task A_failing_call_fails_its_task_and_the_thread_goes_on()
    {
        var thread = new KafkaClientThread("test");
        var failing = thread.RunAsync<int>(() => throw new InvalidOperationException("boom"), CancellationToken.None);
        var next = thread.RunAsync(() => 42, CancellationToken.None);

        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Wait))).Message);
        Assert.Equal(42, await next.WaitAsync(Wait));
        await thread.CompleteAsync(() => { }).WaitAsync(Wait);
    }

    [Fact]
    public async Task Complete_runs_its_call_after_the_queued_ones()
    {
        var thread = new KafkaClientThread("test");
        var order = new List<string>();
        using var release = new ManualResetEventSlim();
        var busy = thread.RunAsync(() =>
        {
            release.Wait(Wait);
            order.Add("queued");
            return true;
        }, CancellationToken.None);
        var completed = thread.CompleteAsync(() => order.Add("last"));

        release.Set();
        await completed.WaitAsync(Wait);
        Assert.True(busy.IsCompletedSuccessfully);
        Assert.Equal(["queued", "last"], order);
    }
}
