using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using Xunit.Sdk;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>
/// Writes a random event sequence to a store and to <see cref="ReferenceModel"/>, then compares every read:
/// write outcomes, as-of (at each slot, between slots, before the first), state, history, replay, id lookup.
/// A failure names the seed, so it can be replayed.
/// </summary>
internal static class RandomizedCheck
{
    private static readonly string[] Sources = ["orders", "users"];

    public static async Task RunAsync(int seed, IEventStore store, long baseTime, long slotMs, int readRounds = 1)
    {
        try
        {
            await RunCoreAsync(seed, store, baseTime, slotMs, readRounds);
        }
        catch (Exception ex) when (ex is XunitException or InvalidOperationException or FormatException)
        {
            throw new XunitException($"Randomized check failed for seed {seed}: {ex.Message}");
        }
    }

    private static async Task RunCoreAsync(int seed, IEventStore store, long baseTime, long slotMs, int readRounds)
    {
        const int slots = 12;
        var random = new Random(seed);
        var gen = new EventGen(random, Sources, entities: 5, baseTime, slots, slotMs);
        var model = new ReferenceModel();
        var count = 20 + random.Next(120);
        var written = 0;
        while (written < count)
        {
            var batch = Enumerable.Range(0, 1 + random.Next(10)).Select(_ => gen.Next()).ToList();
            written += batch.Count;
            var outcomes = (await store.WriteAsync(batch)).Select(r => r.Outcome).ToList();
            var expected = batch.Select(model.Write).ToList();
            Assert.True(expected.SequenceEqual(outcomes), $"write outcomes: expected {string.Join(",", expected)}, got {string.Join(",", outcomes)} for [{string.Join("; ", batch.Select(Show))}]");
        }

        for (var round = 0; round < readRounds; round++)
        {
            foreach (var source in Sources)
            {
                for (var k = 0; k < 5; k++)
                {
                    var entity = "k" + k;
                    foreach (var t in AsOfTimes(baseTime, slotMs, slots))
                    {
                        var expected = model.Latest(source, entity, t);
                        var actual = await store.GetLatestEventAsync(source, entity, t);
                        Assert.True(Equals(expected, actual), $"as-of {source}/{entity}@{t - baseTime}: expected {Show(expected)}, got {Show(actual)}");
                        var state = await store.GetStateAsync(source, entity, t);
                        Assert.Equal(expected is null || expected.IsDelete ? null : expected, state);
                    }
                    var from = baseTime + (random.Next(-1, slots) * slotMs);
                    var to = from + (random.Next(0, slots + 1) * slotMs) + random.Next(2);
                    Assert.Equal(model.History(source, entity, from, to), await ToListAsync(store.GetHistoryAsync(source, entity, from, to)));
                }
                var replayFrom = baseTime + (random.Next(-1, slots) * slotMs);
                var replayTo = replayFrom + (random.Next(0, slots + 1) * slotMs);
                Assert.Equal(model.Replay(source, replayFrom, replayTo), await ToListAsync(store.ReplayAsync(source, replayFrom, replayTo)));
                Assert.Equal(model.Replay(source, 0, long.MaxValue), await ToListAsync(store.ReplayAsync(source, 0, long.MaxValue)));
            }
            foreach (var e in model.All.Take(30))
            {
                Assert.Equal(e, await store.GetByIdAsync(e.Source, e.EventId));
            }
            Assert.Null(await store.GetByIdAsync("orders", "no-such-id"));
        }
    }

    private static IEnumerable<long> AsOfTimes(long baseTime, long slotMs, int slots)
    {
        yield return baseTime - 1;
        for (var s = 0; s < slots; s++)
        {
            yield return baseTime + (s * slotMs);
            yield return baseTime + (s * slotMs) + (slotMs / 2);
        }
        yield return long.MaxValue;
    }

    public static async Task<List<ChangeEvent>> ToListAsync(IAsyncEnumerable<ChangeEvent> events)
    {
        var list = new List<ChangeEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }
        return list;
    }

    private static string Show(ChangeEvent? e) => e is null ? "none" : $"{e.Source}/{e.EntityKey} {e.Operation} {e.EventId} t={e.EventTime} {e.Position}";
}
