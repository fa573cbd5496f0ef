using System.Text.Json;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Servers;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
namespace FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;

/// <summary>The MySQL source-database reader against a real MariaDB (MySqlConnector, utf8mb3 columns included).</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MySqlSourceDatabaseTests(MariaDbFixture mariadb)
{
    [Fact]
    public async Task Rows_are_read_by_key_and_all_in_key_order_across_pages()
    {
        var database = await mariadb.Server.CreateDatabaseAsync("src");
        await mariadb.Server.ExecuteAsync("""
            CREATE TABLE users (region VARCHAR(8) CHARACTER SET utf8mb3 NOT NULL, id INT NOT NULL, name VARCHAR(40) CHARACTER SET utf8mb3, score DECIMAL(8,2),
                                PRIMARY KEY (region, id));
            INSERT INTO users VALUES ('eu', 1, 'Zoë', 1.50), ('eu', 2, 'Ann', 2.00), ('us', 1, 'Bob', NULL), ('ap', 10, 'Chen', 3.25), ('ap', 9, 'Li', 0.00);
            """, database);
        var table = new MirroredTable("users-db", "users", ["region", "id"]);
        var reader = new MySqlSourceDatabase(mariadb.Server.ConnectionString(database));

        var row = await reader.ReadRowAsync(table, "eu|1");
        Assert.NotNull(row);
        var json = JsonDocument.Parse(row.Json).RootElement;
        Assert.Equal(("Zoë", 1.50m), (json.GetProperty("name").GetString(), json.GetProperty("score").GetDecimal()));
        Assert.Null(await reader.ReadRowAsync(table, "eu|404"));

        var all = new List<string>();
        await foreach (var r in reader.ReadAllAsync(table, pageSize: 2))
        {
            all.Add(r.EntityKey);
        }
        Assert.Equal(["ap|9", "ap|10", "eu|1", "eu|2", "us|1"], all);
    }
}
