using System.Net;
using System.Net.Http.Json;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The FeatureApi host as composed by <c>Program</c> (event center, runtime with the example jobs running live, APIs,
/// web UI) on real Kestrel on a free loopback port (the browser needs a socket), with the repository's
/// <c>src/FeatureApi</c> as content root — its <c>appsettings.json</c> (sources, demo keys, jobs) and the repository's
/// <c>web/</c> folder, as <c>dotnet run</c> has them — and its data in a fresh temporary folder; plus Debian's
/// Chromium driven by Playwright with a fresh user-data folder.
/// </summary>
public sealed class WebHost : IAsyncLifetime
{
    private Platform? platform;
    private IPlaywright? playwright;

    /// <summary>The host's base address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The browser context (one per test assembly; each test opens its own page).</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => platform!.Services;

    /// <summary>The runtime's jobs.</summary>
    public JobRegistry Registry => Services.GetRequiredService<RuntimeStartup>().Registry;

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
        // The UI's charting library comes from npm (scripts/install-web.sh); without it every chart would fail to load.
        var chartLibrary = Path.Combine(TestPaths.RepoRoot, "web", "node_modules", "uplot", "dist", "uPlot.esm.js");
        if (!File.Exists(chartLibrary))
        {
            throw new InvalidOperationException($"{chartLibrary} is missing: run ./scripts/install-web.sh (./scripts/test.sh does) before the browser tests.");
        }
        var port = FreePort.Next();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        platform = new Platform(Path.Combine(Directory, "data"));
        platform.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        platform.StartServer();
        await Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(120));
        var live = Services.GetRequiredService<LiveJobsService>();
        await Poll.UntilAsync(() => Task.FromResult(live.Runners.Count == Registry.Jobs.Count), TimeSpan.FromSeconds(60), "live runners started");
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

    private sealed class Platform(string dataDirectory) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("EventCenter:DataDirectory", dataDirectory);
            builder.UseSetting("EventCenter:TopicPartitions", "4");
            builder.UseSetting("EventCenter:Ingest:MaxBatchWait", "00:00:00.020");
            builder.UseSetting("EventCenter:Ingest:IdlePartitionTimeout", "00:00:00.300");
            // The demo sources declare a short MaxDelay here: fetch-strong reads of an idle source wait 200 ms, not 5 s.
            foreach (var source in new[] { "orders", "user_profile", "loan_applications", "repayments", "credit_profile" })
            {
                builder.UseSetting($"EventCenter:Sources:{source}:MaxDelay", "00:00:00.200");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebHost>
{
    public const string Name = "web";
}
