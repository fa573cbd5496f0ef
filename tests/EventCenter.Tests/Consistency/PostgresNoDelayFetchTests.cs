using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.Testing.Servers;
using Npgsql;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;
namespace FeaturePlatform.EventCenter.Tests.Consistency;

/// <summary>No-delay reads from a real PostgreSQL, for a Debezium source.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresNoDelayFetchTests(PostgresFixture postgres) : NoDelayFetchScenario
{
    protected override SourceFormat Format => SourceFormat.Debezium;

    protected override async Task<ISourceDatabase> CreateDatabaseAsync()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("nodelay");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE accounts (id int PRIMARY KEY, tenant text, balance numeric(12,2), ratio numeric, active boolean, born date,
                                   opened timestamp, updated_at timestamptz(3) NOT NULL);
            INSERT INTO accounts VALUES (1, 't1', 73.50, 0.125, true, '2001-02-03', '2025-06-01 12:34:56', '2025-12-31 23:59:50.250+00'),
                                        (2, 't2', 99.00, NULL, false, NULL, NULL, '2026-01-01 00:00:10+00');
            """;
        await command.ExecuteNonQueryAsync();
        return new PostgresSourceDatabase(connectionString);
    }

    /// <summary>
    /// Debezium's PostgreSQL connector with defaults: numeric(12,2) as the unscaled bytes (7350 → "HLY=") with its scale in
    /// the schema (schemas.enable=true; only the decimal columns' schemas are written here), unconstrained numeric as
    /// {scale, value}, date as days, timestamp(6) as epoch µs, timestamptz as ISO-8601 UTC.
    /// </summary>
    protected override string CdcMessageOfRow1(SourceFormat format) => """
        {"schema":{"type":"struct","name":"pg.public.accounts.Envelope","fields":[
           {"type":"struct","optional":true,"name":"pg.public.accounts.Value","field":"after","fields":[{"type":"int32","optional":false,"field":"id"},
            {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"12"},"field":"balance"},
            {"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"field":"ratio",
             "fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}]}]}]},
         "payload":
        {"before":null,
         "after":{"id":1,"tenant":"t1","balance":"HLY=","ratio":{"scale":3,"value":"fQ=="},"active":true,"born":11356,
                  "opened":1748781296000000,"updated_at":"2025-12-31T23:59:50.25Z"},
         "source":{"version":"2.7.0.Final","connector":"postgresql","name":"pg","ts_ms":1767225590250,"snapshot":"false","db":"nodelay",
                   "schema":"public","table":"accounts","txId":771,"lsn":24023128},
         "op":"c","ts_ms":1767225590300}}
        """;
}
