using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FeaturePlatform.FeatureApi.Tests;

/// <summary>The real host on its embedded default, with its data in a fresh temporary folder.</summary>
public sealed class PlatformFactory : WebApplicationFactory<Program>
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("featureapi"));

    // UseSetting, not ConfigureAppConfiguration: Program reads its configuration while registering services, before
    // ConfigureAppConfiguration sources are added, so those settings were silently ignored (the default data directory
    // under ~/.local/share was used).
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder
        .UseSetting("EventCenter:DataDirectory", dataDirectory)
        .UseSetting("EventCenter:TopicPartitions", "4")
        .UseSetting("EventCenter:Ingest:MaxBatchWait", "00:00:00.020")
        .UseSetting("EventCenter:Ingest:IdlePartitionTimeout", "00:00:00.300");

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
