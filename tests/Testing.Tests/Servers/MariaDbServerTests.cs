using FeaturePlatform.Testing.Servers;
using Xunit.Abstractions;

namespace FeaturePlatform.Testing.Tests.Servers;

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbServerTests(MariaDbFixture fixture, ITestOutputHelper output)
{
    private readonly MariaDbServer server = fixture.Server;

    [Fact]
    public Task CreatesADatabaseAndTableAndRoundTripsRows() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        output.WriteLine($"MariaDB on {server.Host}:{server.Port}: data directory {server.DataDirectoryTime.TotalSeconds:F2} s, first start {server.InitialStartupTime.TotalSeconds:F2} s");
        var database = await server.CreateDatabaseAsync("roundtrip");
        await server.ExecuteAsync(
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(10,2) NOT NULL) ENGINE=InnoDB;"
            + "INSERT INTO orders VALUES (1, 'ann', 10.50), (2, 'bob', 3.25), (3, 'zoë', 7.00);",
            database);

        var rows = await server.ExecuteAsync("SELECT id, customer, amount FROM orders ORDER BY id", database);

        Assert.Equal(["1\tann\t10.50", "2\tbob\t3.25", "3\tzoë\t7.00"], Lines(rows));
        Assert.Contains($"Database={database};", server.ConnectionString(database));
        Assert.Equal(["utf8mb4"], Lines(await server.ExecuteAsync(
            $"SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name = '{database}'")));
    });

    [Fact]
    public Task BinaryLogIsOnInRowFormat() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var variables = Lines(await server.ExecuteAsync(
            "SHOW VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'server_id')"));
        Assert.Equal(["binlog_format\tROW", "binlog_row_image\tFULL", "log_bin\tON", "server_id\t1"], variables.Order());

        var database = await server.CreateDatabaseAsync("binlog");
        await server.ExecuteAsync("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (42);", database);
        var status = Lines(await server.ExecuteAsync("SHOW MASTER STATUS"));
        Assert.Single(status);
        Assert.StartsWith("mariadb-bin.", status[0]);
        // A row event for our insert is in the log: the Table_map event names the table.
        var file = status[0].Split('\t')[0];
        var events = await server.ExecuteAsync($"SHOW BINLOG EVENTS IN '{file}'");
        Assert.Contains("Table_map", events);
        Assert.Contains($"({database}.t)", events);
        Assert.Contains("Write_rows", events);
    });

    [Fact]
    public Task DataSurvivesAStopAndAStartOnTheSamePort() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var database = await server.CreateDatabaseAsync("restart");
        await server.ExecuteAsync("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t VALUES (1, 'one'), (2, 'two');", database);
        var pid = server.Pid;

        await server.StopAsync();
        Assert.False(server.IsRunning);
        await server.StartAgainAsync();
        output.WriteLine($"restart: {server.LastStartupTime.TotalSeconds:F2} s");

        Assert.NotEqual(pid, server.Pid);
        Assert.Equal(["1\tone", "2\ttwo"], Lines(await server.ExecuteAsync("SELECT id, v FROM t ORDER BY id", database)));
    });

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
