using Dapper;
using FeaturePlatform.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace FeaturePlatform.Testing.Tests.Servers;

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private readonly PostgresServer server = fixture.Server;

    [Fact]
    public Task CreatesAUniqueDatabaseAndRoundTripsRowsThroughNpgsqlAndDapper() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        output.WriteLine($"PostgreSQL on {server.Host}:{server.Port}: data directory {server.DataDirectoryTime.TotalSeconds:F2} s, first start {server.InitialStartupTime.TotalSeconds:F2} s");
        var connectionString = await server.CreateDatabaseAsync("roundtrip");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE features (entity_id text PRIMARY KEY, score double precision NOT NULL, updated timestamptz NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var updated = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        await using (var insert = new NpgsqlCommand("INSERT INTO features VALUES (@id, @score, @updated)", connection))
        {
            insert.Parameters.AddWithValue("id", "user-1");
            insert.Parameters.AddWithValue("score", 0.25);
            insert.Parameters.AddWithValue("updated", updated);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await connection.ExecuteAsync(
            "INSERT INTO features VALUES (@EntityId, @Score, @Updated)",
            new[] { new FeatureRow("user-2", 1.5, updated), new FeatureRow("user-3", -2, updated) });

        var rows = (await connection.QueryAsync<FeatureRow>(
            "SELECT entity_id AS EntityId, score AS Score, updated AS Updated FROM features ORDER BY entity_id")).ToList();

        Assert.Equal(["user-1", "user-2", "user-3"], rows.Select(r => r.EntityId));
        Assert.Equal([0.25, 1.5, -2], rows.Select(r => r.Score));
        Assert.All(rows, r => Assert.Equal(updated, r.Updated.ToUniversalTime()));
        Assert.Equal(connection.Database, await connection.ExecuteScalarAsync<string>("SELECT current_database()"));
    });

    [Fact]
    public Task DatabasesOfDifferentTestsAreIsolated() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var first = await server.CreateDatabaseAsync("iso");
        var second = await server.CreateDatabaseAsync("iso");
        Assert.NotEqual(first, second);
        await using (var a = new NpgsqlConnection(first))
        {
            await a.ExecuteAsync("CREATE TABLE only_here (id int)");
        }
        await using var b = new NpgsqlConnection(second);
        var exists = await b.ExecuteScalarAsync<bool>("SELECT to_regclass('only_here') IS NOT NULL");
        Assert.False(exists);
    });

    [Fact]
    public Task CommittedRowsSurviveAKillAndAStartOnTheSamePort() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var connectionString = await server.CreateDatabaseAsync("crash");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text)");
            await connection.ExecuteAsync("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        }
        var pid = server.Pid;

        await server.KillAsync();
        Assert.False(server.IsRunning);
        await server.StartAgainAsync();
        output.WriteLine($"start after kill (crash recovery): {server.LastStartupTime.TotalSeconds:F2} s");

        Assert.NotEqual(pid, server.Pid);
        await using var after = new NpgsqlConnection(connectionString);
        Assert.Equal(1000L, await after.ExecuteScalarAsync<long>("SELECT count(*) FROM t"));
        Assert.Equal("v500", await after.ExecuteScalarAsync<string>("SELECT v FROM t WHERE id = 500"));
    });

    private sealed record FeatureRow(string EntityId, double Score, DateTime Updated);
}
