using System.Net;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// The project's systemd units (deploy/systemd) started as systemd would (their Environment=, EnvironmentFile= and
/// ExecStart= lines, through deploy/run-unit.sh; systemd itself does not run in this container), one per
/// namespace, on the shared Kafka mock and HBase server, running a release built by scripts/publish.sh as
/// docs/deployment.md says (FP_HOME = the release): the API unit serves but computes nothing, the worker unit
/// computes every order in its Python worker processes, and a clean stop (SIGTERM, as systemctl stop) ends both.
/// </summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class SystemdUnitTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private static string Unit(string name) => Path.Combine(TestPaths.RepoRoot, "deploy", "systemd", name);

    [NetnsFact]
    public async Task The_api_and_worker_units_run_their_roles()
    {
        var release = await PublishReleaseAsync();
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 2);
        try
        {
            var api = await cluster.StartUnitHostAsync(0, ClusterRole.Api, Unit("featureplatform-api.service"), release);
            var worker = await cluster.StartUnitHostAsync(1, ClusterRole.Worker, Unit("featureplatform-worker.service"), release);
            // The units run the release: the host and its Python workers are processes of the published DLL.
            Assert.Contains(release, File.ReadAllText($"/proc/{worker.Pid}/cmdline"), StringComparison.Ordinal);
            await cluster.ProduceAsync(0, 3);
            await cluster.WaitComputedAsync(3, TimeSpan.FromSeconds(120));
            // Every user's row came from the worker unit's host: the API unit runs no live jobs.
            Assert.Equal(new HashSet<int> { 1 }, await cluster.SlotsComputingAsync());
            // The API unit's host serves the API (features of a user, read through it).
            using var client = api.CreateClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", ClusterScenario.AdminKey);
            using var features = await client.GetAsync($"/api/features/{cluster.Job}/{cluster.UserKeys[0]}");
            Assert.Equal(HttpStatusCode.OK, features.StatusCode);
            // Each role's thread-pool spin as its unit sets it; the worker host's Python workers never spin.
            Assert.Equal("70", ProcessEnvironment.Variable(api.Pid, ClusterRoles.SpinLimit));
            Assert.Equal("0", ProcessEnvironment.Variable(worker.Pid, ClusterRoles.SpinLimit));
            var workers = ProcessEnvironment.Children(worker.Pid);
            Assert.NotEmpty(workers);
            Assert.All(workers, pid => Assert.Contains(release, File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal));
            Assert.All(workers, pid => Assert.Equal("0", ProcessEnvironment.Variable(pid, ClusterRoles.SpinLimit)));
            // systemctl stop: SIGTERM, and the host exits well within the unit's TimeoutStopSec.
            foreach (var host in new[] { worker, api })
            {
                await host.StopAsync(TimeSpan.FromSeconds(60));
                Assert.False(host.IsRunning);
                Assert.Contains("Application is shutting down", host.TailLog(20000), StringComparison.Ordinal);
            }
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    /// <summary>
    /// scripts/publish.sh into a fresh folder (as docs/deployment.md, "Building a release"): the host's DLL and the
    /// platform's own assemblies compiled ReadyToRun (precompiled code in the file, not only IL).
    /// </summary>
    private async Task<string> PublishReleaseAsync()
    {
        var release = Path.Combine(TestPaths.NewServerDirectory("release"), "featureplatform");
        var (code, log) = await ServerProcess.RunAsync("/bin/bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "publish.sh"), release],
            TimeSpan.FromMinutes(8), workingDirectory: TestPaths.RepoRoot);
        Assert.True(code == 0, $"scripts/publish.sh exited {code}:\n{log}");
        foreach (var assembly in new[] { "FeaturePlatform.FeatureApi.dll", "FeaturePlatform.Runtime.dll", "FeaturePlatform.EventCenter.dll", "FeaturePlatform.PyBridge.dll" })
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(Path.Combine(release, assembly)));
            Assert.True(pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} of the release is not ReadyToRun");
        }
        return release;
    }

    private bool Dump(ClusterScenario cluster)
    {
        output.WriteLine(cluster.Logs());
        return false;
    }
}
