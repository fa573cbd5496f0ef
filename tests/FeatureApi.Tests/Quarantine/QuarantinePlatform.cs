using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FeaturePlatform.FeatureApi.Tests.Quarantine;

/// <summary>
/// The production host on its embedded default over a given data directory (so a second host on the same directory is
/// a restart of the platform), with a jobs directory holding the example job <c>order_stats_30d</c> (as in the
/// repository) and <see cref="FragileJob"/>, and a source <c>typed_orders</c> that declares <c>amount</c> a decimal.
/// </summary>
public sealed class QuarantinePlatform(string dataDirectory, string jobsDirectory, IReadOnlyDictionary<string, string>? extra = null) : WebApplicationFactory<Program>
{
    /// <summary>Raises on an event whose data has <c>poison</c> set; else one row with the order id.</summary>
    public const string FragileJob = """
        from featureplatform import Output, job


        @job("fragile", triggers=["orders", "typed_orders"],
             outputs=[Output("order_id", str, "The order."), Output("amount", float, "Its amount.", nullable=True)])
        def fragile(event, ctx):
            if event.get("poison"):
                raise ValueError(f"poison order {event.get('order_id')}")
            return {"order_id": event.str("order_id", ""), "amount": event.float("amount", None)}
        """;

    /// <summary>The same job, fixed: it no longer raises.</summary>
    public const string FixedJob = """
        from featureplatform import Output, job


        @job("fragile", triggers=["orders", "typed_orders"],
             outputs=[Output("order_id", str, "The order."), Output("amount", float, "Its amount.", nullable=True)])
        def fragile(event, ctx):
            return {"order_id": event.str("order_id", ""), "amount": event.float("amount", None)}
        """;

    /// <summary>A fresh data directory and a jobs directory with both jobs.</summary>
    public static (string Data, string Jobs) NewDirectories()
    {
        var data = Path.Combine(Path.GetTempPath(), UniqueName.For("quarantine-data"));
        var jobs = Path.Combine(Path.GetTempPath(), UniqueName.For("quarantine-jobs"));
        Directory.CreateDirectory(jobs);
        File.Copy(Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs", "order_stats_30d.py"), Path.Combine(jobs, "order_stats_30d.py"));
        File.WriteAllText(Path.Combine(jobs, "fragile.py"), FragileJob);
        return (data, jobs);
    }

    /// <summary>A client sending <paramref name="key"/> in X-Api-Key.</summary>
    public HttpClient CreateClient(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string>
        {
            ["EventCenter:DataDirectory"] = dataDirectory,
            ["EventCenter:TopicPartitions"] = "4",
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
            ["EventCenter:Sources:5:Name"] = "typed_orders",
            ["EventCenter:Sources:5:Format"] = "Json",
            ["EventCenter:Sources:5:KeyFields:0"] = "user_id",
            ["EventCenter:Sources:5:TimeField"] = "created_at",
            ["EventCenter:Sources:5:IdField"] = "order_id",
            ["EventCenter:Sources:5:Fields:amount"] = "decimal",
            ["EventCenter:Sources:5:Fields:user_id"] = "string",
            ["Runtime:JobsDirectory"] = jobsDirectory,
            ["Runtime:Repair:Enabled"] = "false",
            ["Runtime:Live:MaxBatchWait"] = "00:00:00.010",
            ["Runtime:Health:QuarantineWindow"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Deletes both directories (after every host on them is disposed).</summary>
    public static void Delete(string data, string jobs)
    {
        foreach (var directory in new[] { data, jobs })
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
}
