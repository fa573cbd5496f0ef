using System.Diagnostics;
using FeaturePlatform.PyBridge.Hosting;

namespace FeaturePlatform.PyBridge.Tests.Hosting;

/// <summary>
/// The lanes' queue under the schedule that once hung a lane: several workers (some with idle time-outs, as a lane's
/// extra workers), a producer that queues a few items and then waits for them, again and again. Every item must be
/// taken and finished while the producer waits: a worker that took an item must never sleep holding it.
/// </summary>
/// <remarks>
/// The hang needs a worker preempted within a few instructions (between seeing its count claimed and taking the
/// release), so this finds it in about half the runs, not every run: with the old <c>Unregister</c> (which blocked on
/// the semaphore) it failed 4 of 9 runs of 5 s, with the fix 0 of 8 runs of 8 s. Twelve threads on two cores make
/// the preemption frequent.
/// </remarks>
public sealed class WorkQueueTests
{
    [Fact]
    public void Every_item_is_run_while_the_producer_waits_for_it_with_workers_coming_and_going()
    {
        var queue = new WorkQueue();
        var finished = 0L;
        var workers = Enumerable.Range(0, 12).Select(i => new Thread(() =>
        {
            // Three workers wait forever, nine time out after 0–1 ms and come back (a lane's extra workers).
            var timeout = i < 3 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(i % 2);
            while (!queue.IsCompleted)
            {
                if (queue.TryTake(out var work, timeout))
                {
                    ((Counted)work).Finish(ref finished);
                }
            }
        }) { IsBackground = true, Name = $"work-queue-test-{i}" }).ToList();
        workers.ForEach(w => w.Start());

        var random = new Random(7);
        var produced = 0L;
        var watch = Stopwatch.StartNew();
        var rounds = 0;
        for (var round = 0; watch.Elapsed < TimeSpan.FromSeconds(8); round++)
        {
            var burst = random.Next(1, 4);
            for (var i = 0; i < burst; i++)
            {
                Assert.True(queue.TryAdd(new Counted()));
            }
            produced += burst;
            rounds++;
            // Quiet until the burst is done: no later item can come to wake a worker that sleeps holding one.
            var waited = Stopwatch.StartNew();
            var spinner = new SpinWait();
            while (Interlocked.Read(ref finished) < produced)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10),
                    $"round {round}: {produced - Interlocked.Read(ref finished)} of {burst} items not run after 10 s (a worker sleeps holding one)");
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        queue.Complete();
        Assert.All(workers, w => Assert.True(w.Join(TimeSpan.FromSeconds(10)), $"{w.Name} did not stop after Complete"));
        Assert.Equal(produced, Interlocked.Read(ref finished));
        Assert.True(rounds > 1_000, $"only {rounds} rounds in 8 s");
    }

    private sealed class Counted : PyWork
    {
        public void Finish(ref long finished) => Interlocked.Increment(ref finished);

        public override void Abandon(Exception reason)
        {
        }
    }
}
