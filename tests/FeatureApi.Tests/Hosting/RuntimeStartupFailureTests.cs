using System.Net;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>A runtime that cannot start (no jobs directory) keeps the host up and fails readiness with the reason.</summary>
public sealed class RuntimeStartupFailureTests : IClassFixture<RuntimeStartupFailureTests.MissingJobsFactory>
{
    private readonly MissingJobsFactory factory;

    public RuntimeStartupFailureTests(MissingJobsFactory factory) => this.factory = factory;

    [Fact]
    public async Task Readiness_fails_naming_the_missing_directory_while_liveness_stays_healthy()
    {
        using var client = factory.CreateClient();
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var live = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var startup = factory.Services.GetService(typeof(Runtime.Hosting.RuntimeStartup)) as Runtime.Hosting.RuntimeStartup;
        var failure = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => startup!.Ready);
        Assert.Contains(factory.JobsDirectory, failure.Message);
    }

    public sealed class MissingJobsFactory : WebApplicationFactory<Program>
    {
        private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("featureapi-nojobs"));

        public string JobsDirectory { get; } = Path.Combine(Path.GetTempPath(), UniqueName.For("no-such-jobs"));

        // UseSetting reaches the configuration Program reads while registering services (ConfigureAppConfiguration is applied later).
        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder
            .UseSetting("EventCenter:DataDirectory", dataDirectory)
            .UseSetting("EventCenter:TopicPartitions", "2")
            .UseSetting("Runtime:JobsDirectory", JobsDirectory);

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
}
