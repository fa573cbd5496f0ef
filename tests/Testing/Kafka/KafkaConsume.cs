using System.Diagnostics;
using Confluent.Kafka;

namespace FeaturePlatform.Testing.Kafka;

/// <summary>Consuming helpers for tests: poll until a condition holds or a timeout expires (no sleeps).</summary>
public static class KafkaConsume
{
    /// <summary>
    /// Consumes until <paramref name="count"/> messages have arrived; throws <see cref="TimeoutException"/>
    /// (saying how many did) if that takes longer than <paramref name="timeout"/>.
    /// </summary>
    public static List<ConsumeResult<TKey, TValue>> Exactly<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count, TimeSpan timeout)
    {
        var results = new List<ConsumeResult<TKey, TValue>>(count);
        var clock = Stopwatch.StartNew();
        while (results.Count < count)
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Consumed {results.Count} of {count} messages within {timeout}.");
            }
            var result = consumer.Consume(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false, Message: not null })
            {
                results.Add(result);
            }
        }
        return results;
    }

    /// <summary>
    /// Consumes until no message has arrived for <paramref name="quiet"/>, returning everything consumed; for
    /// asserting that nothing more (e.g. no re-delivery) comes. Gives up after <paramref name="timeout"/>.
    /// </summary>
    public static List<ConsumeResult<TKey, TValue>> UntilQuiet<TKey, TValue>(IConsumer<TKey, TValue> consumer, TimeSpan quiet, TimeSpan timeout)
    {
        var results = new List<ConsumeResult<TKey, TValue>>();
        var clock = Stopwatch.StartNew();
        var lastArrival = clock.Elapsed;
        while (clock.Elapsed - lastArrival < quiet && clock.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is { IsPartitionEOF: false, Message: not null })
            {
                results.Add(result);
                lastArrival = clock.Elapsed;
            }
        }
        return results;
    }

    /// <summary>Polls <paramref name="condition"/> until true or <paramref name="timeout"/> expires.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }
}
