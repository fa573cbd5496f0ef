using System.Text;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;
namespace FeaturePlatform.EventCenter.Tests.Correction;

/// <summary>Offline correction and no-delay fetches against a real PostgreSQL source database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SourceDatabaseCorrectionTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const long T0 = 1_767_225_600_000;
    private const long Snapshot = T0 + 100_000;
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("correction"));
    private EmbeddedWideTableStore store = null!;
    private EventStore events = null!;
    private WatermarkStore watermarks = null!;
    private string connectionString = "";

    private static SourceDefinition Source => new()
    {
        Name = "accounts",
        Format = SourceFormat.Debezium,
        KeyFields = ["tenant", "id"],
        Mirror = new MirroredTable("main", "public.accounts", ["tenant", "id"]),
    };

    public async Task InitializeAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        events = new EventStore(store);
        await events.EnsureTablesAsync();
        watermarks = new WatermarkStore(store);
        await watermarks.EnsureTableAsync();
        await watermarks.AdvanceEventTimeAsync("accounts", Snapshot + 60_000); // the stream is stored well past the snapshot
        connectionString = await postgres.Server.CreateDatabaseAsync("source");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE accounts (tenant text NOT NULL, id int NOT NULL, balance numeric(12,2), active boolean, opened timestamp, PRIMARY KEY (tenant, id));
            INSERT INTO accounts SELECT 't' || (i % 3), i, i * 10.5, i % 2 = 0, timestamp '2025-06-01' + i * interval '1 day' FROM generate_series(1, 2500) AS i;
            """;
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Correction_writes_events_for_differing_missing_and_deleted_rows_and_a_second_run_writes_nothing()
    {
        // The stream delivered rows 1..2000 with the database's values, except rows 1..50 which are stale, and
        // rows 3001..3010 that the database has deleted since; rows 2001..2500 never arrived.
        var streamed = new List<ChangeEvent>();
        await foreach (var row in Database().ReadAllAsync(Source.Mirror!, 700))
        {
            var id = int.Parse(row.EntityKey.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (id > 2000)
            {
                continue;
            }
            var image = id <= 50 ? Encoding.UTF8.GetBytes($$"""{"tenant":"t{{id % 3}}","id":{{id}},"balance":-1}""") : row.Json;
            streamed.Add(Event(row.EntityKey, EventOperation.Insert, T0 + id, image, streamed.Count));
        }
        for (var id = 3001; id <= 3010; id++)
        {
            streamed.Add(Event($"t{id % 3}|{id}", EventOperation.Insert, T0 + id, Encoding.UTF8.GetBytes($$"""{"id":{{id}}}"""), streamed.Count));
        }
        await events.WriteAsync(streamed);

        var correction = new OfflineCorrection(events, watermarks, clock: new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Snapshot + 10_000)));
        var report = await correction.RunAsync(Source, Database(), Snapshot, pageSize: 300);

        Assert.Equal((2500L, 1950L, 50L, 500L, 10L), (report.Scanned, report.Same, report.Differing, report.Missing, report.Deleted));
        Assert.Equal(560, report.Written);
        await foreach (var row in Database().ReadAllAsync(Source.Mirror!, 1000))
        {
            var state = await events.GetStateAsync("accounts", row.EntityKey, Snapshot);
            Assert.True(state is not null && RowComparer.Same(row.Json, state.After), $"{row.EntityKey} does not match the database after correction");
        }
        Assert.Null(await events.GetStateAsync("accounts", "t1|3001", Snapshot));
        Assert.NotNull(await events.GetStateAsync("accounts", "t1|3001", Snapshot - 1));

        var again = await correction.RunAsync(Source, Database(), Snapshot, pageSize: 300);
        Assert.Equal((2500L, 0L), (again.Same, again.Written));
    }

    [Fact]
    public async Task Table_and_column_names_from_configuration_cannot_inject_sql()
    {
        var hostile = new MirroredTable("main", "accounts; DROP TABLE accounts", ["id"]);
        await Assert.ThrowsAsync<ArgumentException>(async () => await Database().ReadRowAsync(hostile, "1"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Database().ReadRowAsync(Source.Mirror!, "only-one-part"));
    }

    private PostgresSourceDatabase Database() => new(connectionString);

    private static ChangeEvent Event(string key, EventOperation op, long time, byte[] after, int offset) => new()
    {
        Source = "accounts",
        EntityKey = key,
        Operation = op,
        EventTime = time,
        IngestTime = time,
        Position = new SourcePosition("accounts-cdc", 0, offset),
        EventId = $"e-{offset}",
        After = after,
    };
}
