using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests;

/// <summary>
/// The real host on its embedded default (with its demo API keys), with its data in a fresh temporary folder. Two
/// extra keys: a second reviewer and a key holding both operator and reviewer. Jobs' parameters come from
/// <see cref="Jobs"/> (the host has no Python job registry here).
/// </summary>
public class PlatformFactory : WebApplicationFactory<Program>
{
    public const string Admin = "demo-admin";
    public const string Author = "demo-author";
    public const string Operator = "demo-operator";
    public const string Reviewer = "demo-reviewer";
    public const string Reader = "demo-reader";
    public const string SecondReviewer = "test-reviewer-2";
    public const string OperatorReviewer = "test-operator-reviewer";

    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("featureapi"));

    /// <summary>The jobs whose parameters the workflow sees, and the changes applied to them.</summary>
    public InMemoryJobParameters Jobs { get; } = new();

    /// <summary>A client sending <paramref name="key"/> in X-Api-Key (no key when null).</summary>
    public HttpClient CreateClient(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
        return client;
    }

    /// <summary>Whether the parameter workflow sees <see cref="Jobs"/> (default) instead of the runtime's loaded jobs and shared parameter store.</summary>
    protected virtual bool UsesInMemoryParameters => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: with minimal hosting only host settings are visible to the
        // configuration Program reads before Build() (AddEventCenter, AddApiAuth).
        var settings = new Dictionary<string, string>
        {
            ["EventCenter:DataDirectory"] = dataDirectory,
            ["EventCenter:TopicPartitions"] = "4",
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            ["EventCenter:Ingest:IdlePartitionTimeout"] = "00:00:00.300",
            [$"Auth:Keys:{SecondReviewer}:Name"] = "second-reviewer",
            [$"Auth:Keys:{SecondReviewer}:Roles:0"] = "reviewer",
            [$"Auth:Keys:{OperatorReviewer}:Name"] = "operator-reviewer",
            [$"Auth:Keys:{OperatorReviewer}:Roles:0"] = "operator",
            [$"Auth:Keys:{OperatorReviewer}:Roles:1"] = "reviewer",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        if (UsesInMemoryParameters)
        {
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IParameterDefinitions>(Jobs);
                services.AddSingleton<IParameterApplier>(Jobs);
            });
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
