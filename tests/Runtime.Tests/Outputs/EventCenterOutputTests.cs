using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>The event-center output on a storage backend.</summary>
public abstract class EventCenterOutputTests
{
    protected abstract Task<IWideTableStore> OpenStoreAsync();

    private async Task<(IWideTableStore Store, EventStore Events)> NewAsync()
    {
        var store = await OpenStoreAsync();
        var events = new EventStore(store, new EventTableOptions { TablePrefix = UniqueName.For("ev").Replace('-', '_'), SaltBuckets = 4 });
        await events.EnsureTablesAsync();
        return (store, events);
    }

    [Fact]
    public async Task Results_become_events_of_the_derived_source_found_by_request_id_and_fetchable_as_of_time()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var output = new EventCenterOutput(events);
        var job = UniqueName.For("risk");
        FeatureResult[] results =
        [
            OutputTestData.Result(job, "u1", OutputTestData.T0, "req-1", ("score", 0.25), ("band", "low")),
            OutputTestData.Result(job, "u1", OutputTestData.T0 + 60_000, "req-2", ("score", 0.75), ("band", null)),
            OutputTestData.Result(job, "u2", OutputTestData.T0 + 30_000, "req-3", ("score", 0.5), ("band", "mid")),
        ];
        await output.WriteAsync(results, CancellationToken.None);

        var polled = await EventCenterOutput.GetResultAsync(events, job, "req-2");
        Assert.NotNull(polled);
        Assert.Equal("job." + job, polled.Source);
        Assert.Equal("u1", polled.EntityKey);
        Assert.Equal("req-2#0", polled.EventId);
        Assert.Equal(OutputTestData.T0 + 60_000, polled.EventTime);
        Assert.Equal(EventOperation.Message, polled.Operation);
        Assert.Equal("req-2", polled.Headers[EventCenterOutput.RequestIdHeader]);
        Assert.Equal("orders", polled.Headers[EventCenterOutput.TriggerSourceHeader]);
        Assert.Equal(results[1].ResultId, polled.Headers[EventCenterOutput.ResultIdHeader]);
        Assert.Equal("v3", polled.Headers[EventCenterOutput.JobVersionHeader]);
        var after = JsonDocument.Parse(polled.After!).RootElement;
        Assert.Equal(["score", "band"], after.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.75, after.GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("band").ValueKind);
        Assert.Null(await EventCenterOutput.GetResultAsync(events, job, "req-unknown"));
        Assert.Null(await EventCenterOutput.GetResultAsync(events, job, "req-2", rowIndex: 1));

        // Another job fetches the results point-in-time: as of a time between the two results of u1 it sees the first.
        var asOfBetween = await events.GetStateAsync(EventCenterOutput.SourceFor(job), "u1", OutputTestData.T0 + 59_999);
        Assert.Equal("req-1#0", asOfBetween!.EventId);
        var latest = await events.GetStateAsync(EventCenterOutput.SourceFor(job), "u1", long.MaxValue);
        Assert.Equal("req-2#0", latest!.EventId);
        var history = await events.GetHistoryAsync(EventCenterOutput.SourceFor(job), "u1", 0, long.MaxValue).ToListAsync();
        Assert.Equal(["req-1#0", "req-2#0"], history.Select(e => e.EventId));
    }

    [Fact]
    public async Task Writing_again_is_idempotent_and_rows_of_one_event_are_apart()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var job = UniqueName.For("multi");
        var trigger = OutputTestData.Trigger("u9", OutputTestData.T0, "req-9", offset: 42);
        FeatureResult[] rows =
        [
            new(job, "v1", trigger, 0, [new("item", "a")]),
            new(job, "v1", trigger, 1, [new("item", "b")]),
        ];
        await new EventCenterOutput(events).WriteAsync(rows, CancellationToken.None);
        var again = new EventCenterOutput(events); // e.g. another process after a crash, later ingest time
        await again.WriteAsync(rows, CancellationToken.None);
        var outcomes = await events.WriteAsync([.. rows.Select(again.ToEvent)]);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcome.Duplicate, o.Outcome));
        Assert.Equal(0, again.Conflicts);

        var history = await events.GetHistoryAsync(EventCenterOutput.SourceFor(job), "u9", 0, long.MaxValue).ToListAsync();
        Assert.Equal(["req-9#0", "req-9#1"], history.Select(e => e.EventId));
        Assert.Equal("b", JsonDocument.Parse((await EventCenterOutput.GetResultAsync(events, job, "req-9", 1))!.After!).RootElement.GetProperty("item").GetString());

        // A different trigger claiming the same id (another source with the same event id) is a counted conflict.
        var clash = new FeatureResult(job, "v1", OutputTestData.Trigger("u10", OutputTestData.T0 + 5, "req-9", source: "other"), 0, [new("item", "c")]);
        await again.WriteAsync([clash], CancellationToken.None);
        Assert.Equal(1, again.Conflicts);
        Assert.Equal("u9", (await EventCenterOutput.GetResultAsync(events, job, "req-9"))!.EntityKey);
    }
}

public sealed class EmbeddedEventCenterOutputTests : EventCenterOutputTests, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("ec-output"));

    protected override Task<IWideTableStore> OpenStoreAsync() =>
        Task.FromResult<IWideTableStore>(EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory }));

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[Collection(HBaseCollection.Name)]
public sealed class HBaseEventCenterOutputTests(HBaseThriftFixture hbase) : EventCenterOutputTests
{
    protected override Task<IWideTableStore> OpenStoreAsync() => Task.FromResult<IWideTableStore>(new AdminCreatingStore(hbase.Server));
}
