using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Slices;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Parquet;

namespace FeaturePlatform.Runtime.Tests.Slices;

/// <summary>
/// Slices on the embedded event store: a slice at T equals the as-of look-up (<see cref="EventReaderExtensions.GetStateAsync"/>)
/// of every key at T — randomized histories with updates, deletes, re-inserts, ties in event time, updates after T and
/// late updates (stored after newer ones, with an older event time) — and its Parquet file holds exactly those states.
/// </summary>
public sealed class SliceTests : IAsyncLifetime
{
    private const string Source = "accounts";
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("slices"));
    private EmbeddedWideTableStore store = null!;
    private EventStore events = null!;
    private long offset;

    public async Task InitializeAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(directory, "hot") });
        events = new EventStore(store, new EventTableOptions { SaltBuckets = 4 });
        await events.EnsureTablesAsync();
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_slice_at_T_equals_the_as_of_look_up_of_every_key_at_T(int seed)
    {
        var random = new Random(seed);
        const long t = 1_767_225_600_000;
        var keys = Enumerable.Range(0, 60).Select(i => $"acct-{i:D3}").ToList();
        var onTime = new List<ChangeEvent>();
        var late = new List<ChangeEvent>();
        foreach (var key in keys)
        {
            var count = random.Next(0, 7);
            for (var i = 0; i < count; i++)
            {
                // Times around T: some after it (must not count), ties on a few millisecond values.
                var time = t + random.Next(-20, 10) * 1000L + (random.Next(4) == 0 ? 0 : random.Next(1000));
                var operation = random.Next(5) switch { 0 => EventOperation.Delete, 1 => EventOperation.Insert, _ => EventOperation.Update };
                var e = Event(key, time, operation, random);
                (random.Next(6) == 0 ? late : onTime).Add(e);
            }
        }
        await events.WriteAsync(onTime);
        // Late updates: stored after the rest, positions after theirs, event times at or before T.
        await events.WriteAsync([.. late.Select(e => e with { Position = new SourcePosition(Source, 0, Interlocked.Increment(ref offset)) })]);

        var slice = await SliceReader.ReadAsync(events, Source, t);

        var expected = new List<ChangeEvent>();
        foreach (var key in keys)
        {
            if (await events.GetStateAsync(Source, key, t) is { } state)
            {
                expected.Add(state);
            }
        }
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < keys.Count, "some keys have no state at T (none yet, or deleted)");
        Assert.Equal(expected.Select(e => (e.EntityKey, e.EventId, e.EventTime)), slice.Select(e => (e.EntityKey, e.EventId, e.EventTime)));
        Assert.All(slice, e => Assert.False(e.IsDelete));

        // The exported table holds the same states, typed.
        var path = Path.Combine(directory, $"slice-{seed}.parquet");
        var columns = SliceTable.ColumnsOf(slice);
        await using (var writer = await FeaturePlatform.Runtime.Exports.ParquetTableWriter.CreateAsync(path, columns))
        {
            foreach (var state in slice)
            {
                await writer.AppendAsync(SliceTable.RowOf(state, columns));
            }
            await writer.CompleteAsync();
        }
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["key", "event_time", "event_id", "operation", "balance", "id", "name", "vip"], fields.Select(f => f.Name));
        Assert.Equal([typeof(long), typeof(double), typeof(bool)], new[] { fields[1], fields[4], fields[7] }.Select(f => f.ClrType));
        var group = reader.OpenRowGroupReader(0);
        var readKeys = new string[group.RowCount];
        await group.ReadAsync(fields[0], readKeys);
        var balances = new double?[group.RowCount];
        await group.ReadAsync<double>(fields[4], balances);
        Assert.Equal(slice.Select(e => e.EntityKey), readKeys);
        Assert.Equal(slice.Select(Balance), balances);
    }

    [Fact]
    public async Task Daily_slices_are_taken_on_the_schedule_as_of_the_previous_days_last_millisecond()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero));
        var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var random = new Random(7);
        await events.WriteAsync([Event("a", day + 1000, EventOperation.Insert, random), Event("b", day + 2000, EventOperation.Insert, random),
            Event("c", day + 86_400_000 + 5, EventOperation.Insert, random)]); // the next day: not in the slice
        var watermarks = new WatermarkStore(store);
        await watermarks.EnsureTableAsync();
        await watermarks.AdvanceEventTimeAsync(Source, day + 86_400_000 + 5);
        var settings = new RuntimeSettings { Slices = new SliceSettings { Daily = [Source], DailyAt = TimeSpan.FromMinutes(30), Directory = Path.Combine(directory, "out") } };
        await using var slices = new SliceService(events, new SourceRegistry([new SourceDefinition { Name = Source, Format = SourceFormat.Json, KeyFields = ["id"] }]),
            watermarks, settings, new EventCenterSettings { DataDirectory = directory }, clock, NullLogger<SliceService>.Instance);
        using var daily = new DailySliceService(slices, settings, clock, NullLogger<DailySliceService>.Instance);
        await daily.StartAsync(CancellationToken.None);

        Assert.Equal((new DateTimeOffset(2026, 1, 2, 0, 30, 0, TimeSpan.Zero), day + 86_400_000 - 1), DailySliceService.Next(clock.GetUtcNow(), settings.Slices.DailyAt));
        SliceRecord? taken = null;
        await RuntimeHarness.WaitUntilAsync(() =>
        {
            // The schedule waits on the fake clock: move it on until the slice is due and done.
            taken = slices.List(Source).FirstOrDefault(r => r is { Scheduled: true, State: "Completed" });
            if (taken is null)
            {
                clock.Advance(TimeSpan.FromMinutes(20));
            }
            return Task.FromResult(taken is not null);
        }, "a daily slice completed", TimeSpan.FromSeconds(60));
        await daily.StopAsync(CancellationToken.None);

        Assert.Equal(day + 86_400_000 - 1, taken!.AsOf);
        Assert.Equal("schedule", taken.RequestedBy);
        Assert.Equal(2, taken.Entities);
        Assert.True(taken.Complete);
        Assert.True(clock.GetUtcNow() >= new DateTimeOffset(2026, 1, 2, 0, 30, 0, TimeSpan.Zero));
        var csv = await File.ReadAllLinesAsync(slices.FileOf(taken.Id, SliceService.CsvFile)!);
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("key,event_time,event_id,operation,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("a,", csv[1], StringComparison.Ordinal);
    }

    private static double? Balance(ChangeEvent e)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(e.After!);
        return doc.RootElement.TryGetProperty("balance", out var b) && b.ValueKind == System.Text.Json.JsonValueKind.Number ? b.GetDouble() : null;
    }

    private ChangeEvent Event(string key, long time, EventOperation operation, Random random)
    {
        var id = $"e{Interlocked.Increment(ref offset)}";
        // Balances are sometimes whole, sometimes not (the column is DOUBLE), sometimes missing (null).
        var balance = random.Next(4) switch { 0 => "", 1 => $",\"balance\":{random.Next(100)}", _ => string.Create(CultureInfo.InvariantCulture, $",\"balance\":{random.Next(10_000) / 100.0 + 0.5}") };
        var json = $$"""{"id":"{{key}}","name":"n-{{id}}","vip":{{(random.Next(2) == 0 ? "true" : "false")}}{{balance}}}""";
        return new ChangeEvent
        {
            Source = Source,
            EntityKey = key,
            Operation = operation,
            EventTime = time,
            IngestTime = time,
            Position = new SourcePosition(Source, 0, offset),
            EventId = id,
            Before = operation == EventOperation.Delete ? Encoding.UTF8.GetBytes(json) : null,
            After = operation == EventOperation.Delete ? null : Encoding.UTF8.GetBytes(json),
        };
    }
}
