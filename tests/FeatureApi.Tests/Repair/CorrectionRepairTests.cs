using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Repair;

/// <summary>
/// Offline corrections are repaired (real PostgreSQL source database, the production host on the embedded bus): the
/// stream lost an update of an account; a live computation read the stale value; the correction run stores the lost
/// value at its change time, and — with nothing else happening — the computation runs again and its outputs (feature
/// store, result log) get the corrected value; a job triggered by the corrected source runs on the correction.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CorrectionRepairTests(PostgresFixture postgres)
{
    /// <summary>Per order: the tier of its account (the mirrored source), read at eventual consistency.</summary>
    private const string Job = """
        from featureplatform import Consistency, Output, job

        @job("account_tier", triggers="corr_orders", consistency=Consistency.EVENTUAL,
             outputs=[Output("pair", str), Output("tier", str, nullable=True)])
        def account_tier(event, ctx):
            account = ctx.fetch("corr_accounts", event.key)
            return {"pair": event.key, "tier": account.get("tier") if account else None}
        """;

    /// <summary>Per account change: its tier (triggered by the mirrored source itself).</summary>
    private const string SeenJob = """
        from featureplatform import Output, job

        @job("account_seen", triggers="corr_accounts", outputs=[Output("pair", str), Output("tier", str)])
        def account_seen(event, ctx):
            return {"pair": event.key, "tier": event.data["tier"]}
        """;

    [Fact]
    public async Task A_corrected_event_changes_a_live_jobs_feature_without_anything_else_happening()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (accountTime, lostUpdateTime, orderTime) = (now - 60_000, now - 45_000, now - 30_000);
        var database = await postgres.Server.CreateDatabaseAsync("corrections");
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The database's row: the update to gold at lostUpdateTime never reached the stream.
            command.CommandText = $"""
                CREATE TABLE accounts (pair text PRIMARY KEY, tier text NOT NULL, updated_at timestamptz NOT NULL);
                INSERT INTO accounts VALUES ('p1', 'gold', to_timestamp({lostUpdateTime} / 1000.0));
                """;
            await command.ExecuteNonQueryAsync();
        }
        var settings = new Dictionary<string, string>
        {
            ["EventCenter:Sources:6:Mirror:Connection"] = "main",
            ["EventCenter:Sources:6:Mirror:Table"] = "public.accounts",
            ["EventCenter:Sources:6:Mirror:KeyColumns:0"] = "pair",
            ["EventCenter:Sources:6:Mirror:TimeColumn"] = "updated_at",
            ["EventCenter:SourceDatabases:main:Kind"] = "Postgres",
            ["EventCenter:SourceDatabases:main:ConnectionString"] = database,
            ["EventCenter:CorrectionInterval"] = "00:00:00",
            // On: the join platform turns repair off by default (its tests check first computations).
            ["Runtime:Repair:Enabled"] = "true",
            ["Runtime:Repair:Delay"] = "00:00:00.200",
            ["Runtime:Jobs:account_tier:Outputs:1:Kind"] = "FeatureStore",
        };
        await using var platform = new JoinPlatform(["corr_orders", "corr_accounts"], [("account_tier", Job), ("account_seen", SeenJob)], settings);
        using var client = platform.CreateClient(PlatformFactory.Admin);
        await Poll.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), () => "the platform to be ready");
        var services = platform.Services;
        var events = services.GetRequiredService<IEventReader>();
        await using (var producer = services.GetRequiredService<IMessageBus>().CreateProducer())
        {
            await producer.ProduceAsync("corr_accounts", [Message("a1", "p1", accountTime, """, "tier": "silver" """)]);
            await Poll.UntilAsync(async () => await events.GetStateAsync("corr_accounts", "p1", long.MaxValue) is not null, TimeSpan.FromSeconds(30), () => "the account stored");
            await producer.ProduceAsync("corr_orders", [Message("o1", "p1", orderTime, "")]);
        }
        var results = services.GetRequiredService<ResultLog>();
        var store = services.GetRequiredService<FeatureStore>();
        // The run writes its outputs side by side: the result log may show the row before the feature store does.
        await Poll.UntilAsync(async () => await TierAsync(results) == "silver" && await FeatureTierAsync(store) == "silver", TimeSpan.FromSeconds(60),
            () => "the order computed live with the stale tier (result log and feature store)");

        using var response = await client.PostAsync("/api/corrections/corr_accounts", null);
        var report = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, report);
        using (var json = JsonDocument.Parse(report))
        {
            Assert.Equal((1, 1), (json.RootElement.GetProperty("differing").GetInt32(), json.RootElement.GetProperty("written").GetInt32()));
        }
        var corrected = await events.GetStateAsync("corr_accounts", "p1", orderTime);
        Assert.Equal(lostUpdateTime, corrected!.EventTime);

        // Nothing else happens: the correction alone re-runs the order's computation.
        await Poll.UntilAsync(async () => await TierAsync(results) == "gold" && await FeatureTierAsync(store) == "gold", TimeSpan.FromSeconds(60),
            () => "the repaired tier in the result log and the feature store");
        var logged = (await results.GetAsync("account_tier", [("corr_orders", "o1")]))[("corr_orders", "o1")];
        Assert.Equal(ComputationKind.Repair, logged.Kind);
        // A job triggered by the corrected source computes the correction itself, as a replay of the source would.
        var seen = (await results.GetAsync("account_seen", [("corr_accounts", corrected.EventId)])).Values.Single();
        Assert.Equal("gold", seen.Rows.Single().GetProperty("tier").GetString());
    }

    private static OutgoingMessage Message(string id, string pair, long time, string extra) =>
        new(Encoding.UTF8.GetBytes(pair), Encoding.UTF8.GetBytes($$"""{"id": "{{id}}", "pair": "{{pair}}", "t": {{time}}{{extra}}}"""));

    private static async Task<string?> TierAsync(ResultLog results) =>
        (await results.GetAsync("account_tier", [("corr_orders", "o1")])).TryGetValue(("corr_orders", "o1"), out var logged) && logged.Rows.Count == 1
            && logged.Rows[0].TryGetProperty("tier", out var tier) ? tier.GetString() : null;

    private static async Task<string?> FeatureTierAsync(FeatureStore store) =>
        await store.GetAsync("account_tier", "p1") is { } record && record.Values.TryGetValue("tier", out var tier) ? tier.GetString() : null;
}
