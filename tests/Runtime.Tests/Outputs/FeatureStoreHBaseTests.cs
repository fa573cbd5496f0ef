using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>The feature store on HBase (Thrift2 fixture; the table created by the admin path).</summary>
[Collection(HBaseCollection.Name)]
public sealed class FeatureStoreHBaseTests(HBaseThriftFixture hbase)
{
    private async Task<(AdminCreatingStore Store, FeatureStore Features)> NewAsync()
    {
        var store = new AdminCreatingStore(hbase.Server);
        var features = new FeatureStore(store, new TableName(null, UniqueName.For("features").Replace('-', '_')));
        await features.EnsureTableAsync();
        return (store, features);
    }

    private static FeatureResult At(string job, string key, long time, long n, string? label, string version = "v3") =>
        OutputTestData.Result(job, key, time, $"e{time}", ("n", n), ("label", label)) with { JobVersion = version };

    [Fact]
    public async Task Upserts_are_idempotent()
    {
        var (store, features) = await NewAsync();
        await using var _ = store;
        var job = UniqueName.For("job");
        var results = OutputTestData.Many(job, 30, keys: 10);
        await features.WriteAsync(results, CancellationToken.None);
        var first = await features.GetManyAsync(job, [.. Enumerable.Range(0, 10).Select(i => $"u{i}")]);
        await features.WriteAsync(results, CancellationToken.None);
        await features.WriteAsync(results.Reverse().ToList(), CancellationToken.None);
        var again = await features.GetManyAsync(job, [.. Enumerable.Range(0, 10).Select(i => $"u{i}")]);

        for (var k = 0; k < 10; k++)
        {
            var newest = results.Where(r => r.Key == $"u{k}").MaxBy(r => r.EventTime)!;
            foreach (var record in new[] { first[k], again[k] })
            {
                Assert.NotNull(record);
                Assert.Equal(newest.EventTime, record.EventTime);
                Assert.Equal(newest.Trigger.EventId, record.EventId);
                Assert.Equal("v3", record.JobVersion);
                Assert.Equal((long)newest.Values[0].Value!, record.Values["n"].GetInt64());
                Assert.Equal((double)newest.Values[1].Value!, record.Values["total"].GetDouble());
            }
        }
    }

    [Fact]
    public async Task The_newest_event_time_wins_whatever_the_write_order()
    {
        var (store, features) = await NewAsync();
        await using var _ = store;
        var job = UniqueName.For("job");
        var t = OutputTestData.T0;
        FeatureResult[] versions =
        [
            At(job, "a", t + 1000, 1, "one", version: "v1"),
            At(job, "a", t + 3000, 3, "three", version: "v2"),
            At(job, "a", t + 2000, 2, "two", version: "v1"),
        ];
        // Every permutation of the writes (one write per call) ends with the t+3000 result, for a fresh key each.
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        for (var o = 0; o < orders.Length; o++)
        {
            var key = $"k{o}";
            foreach (var i in orders[o])
            {
                await features.WriteAsync([versions[i] with { Trigger = versions[i].Trigger with { EntityKey = key } }], CancellationToken.None);
            }
            var record = await features.GetAsync(job, key);
            Assert.NotNull(record);
            Assert.Equal(t + 3000, record.EventTime);
            Assert.Equal(3, record.Values["n"].GetInt64());
            Assert.Equal("three", record.Values["label"].GetString());
            Assert.Equal($"e{t + 3000}", record.EventId);
            Assert.Equal("v2", record.JobVersion);
        }

        // A late, older result with a null value does not overwrite the newer value either; a newer null does.
        await features.WriteAsync([At(job, "k0", t + 500, 99, null)], CancellationToken.None);
        Assert.Equal("three", (await features.GetAsync(job, "k0"))!.Values["label"].GetString());
        await features.WriteAsync([At(job, "k0", t + 4000, 4, null)], CancellationToken.None);
        var newer = (await features.GetAsync(job, "k0"))!;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, newer.Values["label"].ValueKind);
        Assert.Equal(4, newer.Values["n"].GetInt64());
    }

    [Fact]
    public async Task Batch_lookup_lines_up_with_the_keys_and_keeps_jobs_apart()
    {
        var (store, features) = await NewAsync();
        await using var _ = store;
        var jobA = UniqueName.For("a");
        var jobB = UniqueName.For("b");
        await features.WriteAsync(OutputTestData.Many(jobA, 200, keys: 200), CancellationToken.None);
        await features.WriteAsync([At(jobB, "u7", OutputTestData.T0, 777, "b")], CancellationToken.None);

        string[] keys = ["u150", "missing", "u0", "u7", "u199", "u7"];
        var records = await features.GetManyAsync(jobA, keys);
        Assert.Equal(keys.Length, records.Count);
        Assert.Null(records[1]);
        foreach (var i in new[] { 0, 2, 3, 4, 5 })
        {
            Assert.Equal(keys[i], records[i]!.Key);
            Assert.Equal(long.Parse(keys[i][1..], System.Globalization.CultureInfo.InvariantCulture), records[i]!.Values["n"].GetInt64());
        }
        Assert.Equal(777, (await features.GetAsync(jobB, "u7"))!.Values["n"].GetInt64());
        Assert.Null(await features.GetAsync(jobB, "u0"));

        // Column projection.
        var projected = (await features.GetManyAsync(jobA, ["u3"], ["total"]))[0]!;
        Assert.Equal(["total"], projected.Values.Keys);
        Assert.Equal(4.5, projected.Values["total"].GetDouble());
        Assert.Equal("o3", projected.EventId);
    }
}
