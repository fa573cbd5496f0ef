using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FeaturePlatform.EventCenter.Tests.Correction;

/// <summary>
/// The offline correction's snapshot is consistent (real databases, below): the database is read after the snapshot
/// time, so a row that changed after it shows a future value, which must never be written back as the state at the
/// snapshot. Subclasses give the database.
/// </summary>
public abstract class ConsistentSnapshotCorrectionScenario : IAsyncLifetime
{
    private const long T0 = 1_767_225_600_000;
    private const long Snapshot = T0 + 100_000;
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("correction-snapshot"));
    private EmbeddedWideTableStore store = null!;
    private EventStore events = null!;
    private WatermarkStore watermarks = null!;

    /// <summary>The mirrored table's name in the database.</summary>
    protected abstract string Table { get; }

    /// <summary>The SQL type of the change-time column.</summary>
    protected abstract string TimeType { get; }

    /// <summary>An SQL literal of the UTC time <paramref name="ms"/> for the change-time column.</summary>
    protected abstract string TimeLiteral(long ms);

    /// <summary>Creates the database; later calls run in it.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>Runs SQL statements in the database.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>The database as the correction reads it.</summary>
    protected abstract ISourceDatabase Database();

    public async Task InitializeAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        events = new EventStore(store);
        await events.EnsureTablesAsync();
        watermarks = new WatermarkStore(store);
        await watermarks.EnsureTableAsync();
        await CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// Row 1 changed after the snapshot (10 → 99), row 3 was deleted after it, row 2 differs for real (a lost update
    /// before the snapshot). With a time column, row 1's change time tells (its CDC event is not stored); without one,
    /// the CDC events stored after the snapshot tell (the change of row 1, the delete of row 3). Only row 2 is corrected.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_row_changed_after_the_snapshot_is_not_written_back_with_its_future_value(bool timeColumn)
    {
        await ExecuteAsync($"""
            CREATE TABLE balances (id int PRIMARY KEY, amount int NOT NULL{(timeColumn ? $", updated_at {TimeType} NOT NULL" : "")});
            INSERT INTO balances VALUES (1, 99{Time(Snapshot + 5_000, timeColumn)}), (2, 21{Time(T0 + 50_000, timeColumn)});
            """);
        var source = Source(timeColumn);
        var stored = new List<ChangeEvent>
        {
            Event("1", EventOperation.Insert, T0 + 1, 10, 0),
            Event("2", EventOperation.Insert, T0 + 2, 20, 1),
            Event("3", EventOperation.Insert, T0 + 3, 30, 2),
            Event("3", EventOperation.Delete, Snapshot + 6_000, null, 4),
        };
        if (!timeColumn)
        {
            stored.Add(Event("1", EventOperation.Update, Snapshot + 5_000, 99, 3));
        }
        await events.WriteAsync(stored);
        await watermarks.AdvanceEventTimeAsync("balances", Snapshot + 20_000);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Snapshot + 10_000));

        var report = await new OfflineCorrection(events, watermarks, clock: clock).RunAsync(source, Database(), Snapshot);

        Assert.Equal(10, Amount(await events.GetStateAsync("balances", "1", Snapshot)));
        Assert.Equal(30, Amount(await events.GetStateAsync("balances", "3", Snapshot)));
        var corrected = await events.GetStateAsync("balances", "2", Snapshot);
        Assert.Equal(21, Amount(corrected));
        Assert.Equal(timeColumn ? T0 + 50_000 : Snapshot, corrected!.EventTime);
        Assert.Equal("correction", corrected.Headers!["fp-origin"]);
        Assert.Equal((Snapshot, 2L, 1L, 0L, 0L, 1L), (report.SnapshotTime, report.ChangedAfterSnapshot, report.Differing, report.Missing, report.Deleted, report.Written));
    }

    [Fact]
    public async Task The_snapshot_is_lowered_to_the_watermark_and_a_correction_lands_after_the_event_it_corrects()
    {
        await ExecuteAsync("""
            CREATE TABLE balances (id int PRIMARY KEY, amount int NOT NULL);
            INSERT INTO balances VALUES (1, 11);
            """);
        // The event center has stored the source up to W = T0 + 40 000 only; the stale state of row 1 is at exactly W.
        const long watermark = T0 + 40_000;
        await events.WriteAsync([Event("1", EventOperation.Insert, watermark, 10, 0)]);
        await watermarks.AdvanceEventTimeAsync("balances", watermark);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(watermark - 1_000));

        var report = await new OfflineCorrection(events, watermarks, clock: clock).RunAsync(Source(timeColumn: false), Database(), Snapshot);

        Assert.Equal(watermark, report.SnapshotTime);
        var corrected = await events.GetLatestEventAsync("balances", "1", long.MaxValue);
        Assert.Equal((11, watermark + 1), (Amount(corrected), corrected!.EventTime));
    }

    [Fact]
    public async Task A_watermark_that_does_not_pass_the_end_of_the_read_fails_the_run_and_writes_nothing()
    {
        await ExecuteAsync("""
            CREATE TABLE balances (id int PRIMARY KEY, amount int NOT NULL);
            INSERT INTO balances VALUES (1, 11);
            """);
        await events.WriteAsync([Event("1", EventOperation.Insert, T0, 10, 0)]);
        await watermarks.AdvanceEventTimeAsync("balances", Snapshot);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Snapshot + 10_000));
        var correction = new OfflineCorrection(events, watermarks, options: new CorrectionOptions { WatermarkWait = TimeSpan.FromMilliseconds(300) }, clock: clock);

        var error = await Assert.ThrowsAsync<ConsistencyTimeoutException>(() => correction.RunAsync(Source(timeColumn: false), Database(), Snapshot));

        Assert.Contains("balances", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, Amount(await events.GetLatestEventAsync("balances", "1", long.MaxValue)));
    }

    private SourceDefinition Source(bool timeColumn) => new()
    {
        Name = "balances",
        Format = SourceFormat.Json,
        KeyFields = ["id"],
        Mirror = new MirroredTable("main", Table, ["id"], timeColumn ? "updated_at" : null),
    };

    private string Time(long ms, bool timeColumn) => timeColumn ? ", " + TimeLiteral(ms) : "";

    /// <summary>"yyyy-MM-dd HH:mm:ss.fff" of a UTC time.</summary>
    protected static string UtcText(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    private static int? Amount(ChangeEvent? state) =>
        state?.After is { } after ? System.Text.Json.JsonDocument.Parse(after).RootElement.GetProperty("amount").GetInt32() : null;

    private static ChangeEvent Event(string key, EventOperation op, long time, int? amount, int offset) => new()
    {
        Source = "balances",
        EntityKey = key,
        Operation = op,
        EventTime = time,
        IngestTime = time,
        Position = new SourcePosition("balances-cdc", 0, offset),
        EventId = $"e-{offset}",
        After = amount is { } a ? Encoding.UTF8.GetBytes($$"""{"id":{{key}},"amount":{{a}}}""") : null,
    };
}

/// <summary>The consistent snapshot against PostgreSQL (timestamptz change time; the server runs in UTC).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresConsistentSnapshotCorrectionTests(PostgresFixture postgres) : ConsistentSnapshotCorrectionScenario
{
    private string connectionString = "";

    protected override string Table => "public.balances";

    protected override string TimeType => "timestamptz";

    protected override string TimeLiteral(long ms) => $"'{UtcText(ms)}+00'";

    protected override async Task CreateDatabaseAsync() => connectionString = await postgres.Server.CreateDatabaseAsync("snapshot");

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override ISourceDatabase Database() => new PostgresSourceDatabase(connectionString);
}

/// <summary>The consistent snapshot against MariaDB (DATETIME(3) change time, read as UTC).</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbConsistentSnapshotCorrectionTests(MariaDbFixture mariadb) : ConsistentSnapshotCorrectionScenario
{
    private string database = "";

    protected override string Table => "balances";

    protected override string TimeType => "DATETIME(3)";

    protected override string TimeLiteral(long ms) => $"'{UtcText(ms)}'";

    protected override async Task CreateDatabaseAsync() => database = await mariadb.Server.CreateDatabaseAsync("snapshot");

    protected override Task ExecuteAsync(string sql) => mariadb.Server.ExecuteAsync(sql, database);

    protected override ISourceDatabase Database() => new MySqlSourceDatabase(mariadb.Server.ConnectionString(database));
}
