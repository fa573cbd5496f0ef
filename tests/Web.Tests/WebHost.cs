using System.Net;
using System.Net.Http.Json;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The FeatureApi host on real Kestrel on a free loopback port (the browser needs a socket), with the repository's
/// <c>src/FeatureApi</c> as content root — its <c>appsettings.json</c> (sources, demo keys) and the repository's
/// <c>web/</c> folder, as <c>dotnet run</c> has them — its data in a fresh temporary folder, and the example jobs
/// loaded in a job registry fetching from the host's own event center; plus Debian's Chromium driven by Playwright
/// with a fresh user-data folder.
/// </summary>
public sealed class WebHost : IAsyncLifetime
{
    private readonly ForwardingDataSource dataSource = new();
    private Platform? platform;
    private PythonHost? python;
    private IPlaywright? playwright;

    /// <summary>The host's base address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The browser context (one per test assembly; each test opens its own page).</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => platform!.Services;

    /// <summary>The jobs' data source (the host's event center).</summary>
    public IFeatureDataSource DataSource => dataSource;

    /// <summary>The example jobs.</summary>
    public JobRegistry Registry { get; private set; } = null!;

    /// <summary>The test run's folder (data, browser profile).</summary>
    public string Directory { get; } = TestPaths.NewServerDirectory("web-host");

    /// <summary>An HTTP client to the host sending <paramref name="key"/>.</summary>
    public HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task InitializeAsync()
    {
        python = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(10) });
        Registry = await JobRegistry.LoadAsync(python, Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs"), dataSource,
            options: new JobOptions { WatchForChanges = false });
        var port = FreePort.Next();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        platform = new Platform(Path.Combine(Directory, "data"), Registry);
        platform.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        platform.StartServer();
        dataSource.Inner = new EventCenterDataSource(platform.Services.GetRequiredService<IEventReader>(), platform.Services.GetRequiredService<ConsistentFetcher>(),
            TimeSpan.FromSeconds(10));
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(Directory, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
            BaseURL = BaseAddress.ToString(),
        });
        Browser.SetDefaultTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        playwright?.Dispose();
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }
        if (python is not null)
        {
            await python.DisposeAsync();
        }
    }

    /// <summary>Posts JSON messages to a source (as demo-author) and waits until the event center holds <paramref name="count"/> events of the entity.</summary>
    public async Task ForwardAndWaitAsync(string source, string key, object messages, int count = 1)
    {
        using var author = Client("demo-author");
        using var response = await author.PostAsJsonAsync($"/api/sources/{source}/messages", messages);
        Assert.True(response.IsSuccessStatusCode, $"forward: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var reader = Client("demo-reader");
        await Poll.UntilAsync(async () =>
        {
            using var history = await reader.GetAsync($"/api/events/{source}/{Uri.EscapeDataString(key)}/history");
            return history.StatusCode == HttpStatusCode.OK && (await history.Content.ReadFromJsonAsync<List<object>>())!.Count == count;
        }, TimeSpan.FromSeconds(30), $"{count} events of {source}/{key} stored");
    }

    private sealed class Platform(string dataDirectory, JobRegistry registry) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("EventCenter:DataDirectory", dataDirectory);
            builder.UseSetting("EventCenter:TopicPartitions", "4");
            builder.UseSetting("EventCenter:Ingest:MaxBatchWait", "00:00:00.020");
            builder.UseSetting("EventCenter:Ingest:IdlePartitionTimeout", "00:00:00.300");
            builder.ConfigureTestServices(services => services.AddSingleton(registry));
        }
    }

    /// <summary>Forwards the jobs' fetches to the host's event center once it is built.</summary>
    private sealed class ForwardingDataSource : IFeatureDataSource
    {
        public IFeatureDataSource? Inner { get; set; }

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) =>
            (Inner ?? throw new InvalidOperationException("The host is not started yet.")).Fetch(source, key, asOfMs, consistency);

        public string History(string source, string key, long sinceMs, long untilMs, int limit) =>
            (Inner ?? throw new InvalidOperationException("The host is not started yet.")).History(source, key, sinceMs, untilMs, limit);
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebHost>
{
    public const string Name = "web";
}
