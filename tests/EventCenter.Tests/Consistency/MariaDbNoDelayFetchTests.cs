using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.Testing.Servers;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;
namespace FeaturePlatform.EventCenter.Tests.Consistency;

/// <summary>No-delay reads from a real MariaDB, for a Canal source (and the Debezium MySQL and Maxwell shapes).</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbNoDelayFetchTests(MariaDbFixture mariadb) : NoDelayFetchScenario
{
    protected override SourceFormat Format => SourceFormat.Canal;

    protected override async Task<ISourceDatabase> CreateDatabaseAsync()
    {
        var database = await mariadb.Server.CreateDatabaseAsync("nodelay");
        await mariadb.Server.ExecuteAsync("""
            CREATE TABLE accounts (id INT PRIMARY KEY, tenant VARCHAR(8), balance DECIMAL(12,2), ratio DOUBLE, active TINYINT(1), born DATE,
                                   opened DATETIME, updated_at DATETIME(3) NOT NULL);
            INSERT INTO accounts VALUES (1, 't1', 73.50, 0.125, 1, '2001-02-03', '2025-06-01 12:34:56', '2025-12-31 23:59:50.250'),
                                        (2, 't2', 99.00, NULL, 0, NULL, NULL, '2026-01-01 00:00:10.000');
            """, database);
        return new MySqlSourceDatabase(mariadb.Server.ConnectionString(database));
    }

    /// <summary>
    /// Canal's flat message (every value a string, typed at ingestion by sqlType/mysqlType); Maxwell's (typed JSON, times as
    /// MySQL text); or Debezium's MySQL connector with defaults: DECIMAL as unscaled bytes with its scale in the schema (the
    /// JSON converter's schemas.enable=true; only the decimal column's schema is written here), TINYINT(1) as a number,
    /// DATE as days, DATETIME(0..3) as epoch ms.
    /// </summary>
    protected override string CdcMessageOfRow1(SourceFormat format) => format switch
    {
        SourceFormat.Canal => """
          {"data":[{"id":"1","tenant":"t1","balance":"73.50","ratio":"0.125","active":"1","born":"2001-02-03","opened":"2025-06-01 12:34:56",
                    "updated_at":"2025-12-31 23:59:50.250"}],
           "database":"nodelay","es":1767225590000,"id":12,"isDdl":false,
           "mysqlType":{"id":"int(11)","tenant":"varchar(8)","balance":"decimal(12,2)","ratio":"double","active":"tinyint(1)","born":"date",
                        "opened":"datetime","updated_at":"datetime(3)"},
           "sqlType":{"id":4,"tenant":12,"balance":3,"ratio":8,"active":-6,"born":91,"opened":93,"updated_at":93},
           "old":null,"pkNames":["id"],"sql":"","table":"accounts","ts":1767225590400,"type":"INSERT"}
          """,
        SourceFormat.Maxwell => """
          {"database":"nodelay","table":"accounts","type":"insert","ts":1767225590,"xid":8812,"commit":true,"position":"binlog.000003:4711",
           "server_id":1,"primary_key_columns":["id"],
           "data":{"id":1,"tenant":"t1","balance":73.50,"ratio":0.125,"active":1,"born":"2001-02-03","opened":"2025-06-01 12:34:56",
                   "updated_at":"2025-12-31 23:59:50.250"}}
          """,
        _ => """
          {"schema":{"type":"struct","name":"my.nodelay.accounts.Envelope","fields":[
             {"type":"struct","optional":true,"name":"my.nodelay.accounts.Value","field":"after","fields":[{"type":"int32","optional":false,"field":"id"},
              {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"12"},"field":"balance"}]}]},
           "payload":
          {"before":null,
           "after":{"id":1,"tenant":"t1","balance":"HLY=","ratio":0.125,"active":1,"born":11356,"opened":1748781296000,"updated_at":1767225590250},
           "source":{"version":"2.7.0.Final","connector":"mysql","name":"my","ts_ms":1767225590000,"snapshot":"false","db":"nodelay",
                     "table":"accounts","server_id":1,"file":"binlog.000003","pos":4711,"row":0},
           "op":"c","ts_ms":1767225590300}}
          """,
    };

    [Theory]
    [InlineData(SourceFormat.Debezium)]
    [InlineData(SourceFormat.Maxwell)]
    public async Task No_delay_rows_of_a_MySQL_table_take_the_shape_of_the_formats_CDC_events(SourceFormat format)
    {
        var database = await CreateDatabaseAsync();
        var row = await database.ReadRowAsync(Source().Mirror!, "1");
        var source = Source(format);
        var cdc = Assert.Single(EventParsers.Parse(source, Raw(CdcMessageOfRow1(format)), T).Events);
        AssertSameImage(cdc.After, SourceDb.Images.CdcImages.For(source, row!));
        Assert.Equal(Row1ChangedAt, row!.ChangedAt);
    }
}
