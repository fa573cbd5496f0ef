using System.Globalization;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Selection;
using FeaturePlatform.Runtime.Tests.Outputs;
using FeaturePlatform.Testing.Storage;

namespace FeaturePlatform.Runtime.Tests.Selection;

/// <summary>
/// The copy's text columns are dictionary-encoded and the dictionary is compacted when overwritten texts pile up: a
/// column whose every write is a new text (ids, timestamps) must still select exactly after compactions (also the rows
/// not written since, whose codes a compaction renumbers), and a
/// numeric <c>in</c> of many values (the hash-set test) must equal the reference.
/// </summary>
public sealed class SelectionTextColumnTests : IAsyncLifetime
{
    private const string Job = "churn_job";
    private const int Keys = 300;
    private const int HotKeys = 40;
    private const int Rounds = 240; // 300 keys twice, then 40 of them rewritten 238 times: 10,120 distinct texts, compacted at 4,096

    private readonly TempEmbeddedStore temp = TempEmbeddedStore.Open("fp-selection-text-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await temp.DisposeAsync();

    [Fact]
    public async Task Texts_rewritten_past_many_compactions_select_exactly_as_the_last_write()
    {
        var copy = new SelectionCopy();
        var features = new FeatureStore(temp.Store, saltBuckets: 4, listener: copy);
        await features.EnsureTableAsync(CancellationToken.None);
        await copy.LoadAsync(features, CancellationToken.None);
        var random = new Random(18);
        var truth = new Dictionary<string, (string Id, long N)>(StringComparer.Ordinal);
        for (var round = 0; round < Rounds; round++)
        {
            var batch = new List<FeatureResult>();
            // Every key in rounds 0 and 1 (so codes and rows no longer line up), then only the hot ones: the other rows'
            // codes must be renumbered by each compaction.
            foreach (var k in Enumerable.Range(0, round < 2 ? Keys : HotKeys).OrderBy(_ => random.Next()))
            {
                var key = "k" + k.ToString("D3", CultureInfo.InvariantCulture);
                var id = $"id-{round:D2}-{random.Next(1_000_000):D6}";
                var n = (long)random.Next(40);
                batch.Add(OutputTestData.Result(Job, key, OutputTestData.T0 + round * 1000L, $"e{round}-{k}", ("id", id), ("n", n)));
                truth[key] = (id, n);
            }
            await features.WriteAsync(batch, CancellationToken.None);
        }
        var rebuilt = new SelectionCopy();
        await rebuilt.LoadAsync(features, CancellationToken.None);

        var some = truth.OrderBy(_ => random.Next()).Take(12).Select(kv => kv.Value.Id).ToList();
        var numbers = Enumerable.Range(0, 12).Select(i => (double)(i * 3)).ToList();
        var cases = new (Predicate Predicate, Func<(string Id, long N), bool> Reference)[]
        {
            (new Comparison("id", Op.In, [.. some.Select(Literal.Of)]), r => some.Contains(r.Id)),
            (new Comparison("id", Op.Eq, [Literal.Of(some[0])]), r => r.Id == some[0]),
            (new Comparison("id", Op.Ge, [Literal.Of($"id-{Rounds - 1:D2}-5")]), r => string.CompareOrdinal(r.Id, $"id-{Rounds - 1:D2}-5") >= 0),
            (new Comparison("id", Op.Lt, [Literal.Of($"id-{Rounds - 1:D2}")]), r => string.CompareOrdinal(r.Id, $"id-{Rounds - 1:D2}") < 0),
            (new Comparison("n", Op.In, [.. numbers.Select(Literal.Of)]), r => numbers.Contains(r.N)),
            (new Not(new Comparison("n", Op.In, [.. numbers.Select(Literal.Of)])), r => !numbers.Contains(r.N)),
        };
        foreach (var engine in new ISelectionEngine[] { new MemorySelectionEngine(copy), new MemorySelectionEngine(rebuilt), new ScanSelectionEngine(features) })
        {
            foreach (var (predicate, reference) in cases)
            {
                var expected = truth.Where(kv => reference(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                var page = await engine.SelectAsync(new SelectionQuery(Job, predicate, ["id"], 10_000, null), CancellationToken.None);
                Assert.True(expected.Count == page.Count, $"{engine.Name}: count {page.Count} != {expected.Count} for {PredicateParser.ToJson(predicate)}");
                Assert.Equal(expected, page.Rows.Select(r => r.Key).ToList());
                Assert.Equal(expected.Select(k => truth[k].Id), page.Rows.Select(r => r.Values[0].Text));
            }
        }
    }
}
