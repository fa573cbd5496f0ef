using System.Net;
using System.Net.Http.Json;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The FeatureApi host as a child process (<c>dotnet FeaturePlatform.FeatureApi.dll</c>, real Kestrel on a free
/// loopback port) with the repository's <c>src/FeatureApi</c> as content root — its <c>appsettings.json</c> (sources,
/// demo keys) and the repository's <c>web/</c> folder, as <c>dotnet run</c> has them — and its data in a fresh
/// temporary folder; plus Debian's Chromium driven by Playwright with a fresh user-data folder.
/// </summary>
public sealed class WebHost : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private ServerProcess? server;
    private IPlaywright? playwright;

    /// <summary>The host's base address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The browser context (one per test assembly; each test opens its own page).</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>The host's folder (log, data, browser profile).</summary>
    public string Directory { get; } = TestPaths.NewServerDirectory("web-host");

    /// <summary>An HTTP client to the host sending <paramref name="key"/>.</summary>
    public HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>The end of the host's log, for failure messages.</summary>
    public string TailLog() => server?.TailLog() ?? "(not started)";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var contentRoot = Path.Combine(TestPaths.RepoRoot, "src", "FeatureApi");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = "0",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["EventCenter__DataDirectory"] = Path.Combine(Directory, "data"),
            ["EventCenter__TopicPartitions"] = "4",
            ["EventCenter__Ingest__MaxBatchWait"] = "00:00:00.020",
            ["EventCenter__Ingest__IdlePartitionTimeout"] = "00:00:00.300",
        };
        server = ServerProcess.Start("featureapi", "dotnet", [DllPath, "--contentRoot", contentRoot, "--urls", BaseAddress.ToString().TrimEnd('/')],
            Path.Combine(Directory, "host.log"), environment, Directory);
        await WaitReadyAsync();
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
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Posts one JSON message to a source (as demo-author) and waits until the event center serves its entity.</summary>
    public async Task ForwardAndWaitAsync(string source, string key, object message)
    {
        using var author = Client("demo-author");
        using var response = await author.PostAsJsonAsync($"/api/sources/{source}/messages", message);
        Assert.True(response.IsSuccessStatusCode, $"forward: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var reader = Client("demo-reader");
        await Poll.UntilAsync(async () => (await reader.GetAsync($"/api/events/{source}/{Uri.EscapeDataString(key)}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), $"{source}/{key} stored", TailLog);
    }

    private static string DllPath
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            // The project reference builds the host next to this assembly too; prefer that copy (same build).
            var local = Path.Combine(AppContext.BaseDirectory, "FeaturePlatform.FeatureApi.dll");
            var built = Path.Combine(TestPaths.RepoRoot, "src", "FeatureApi", "bin", configuration, "net10.0", "FeaturePlatform.FeatureApi.dll");
            return File.Exists(built) ? built : local;
        }
    }

    private async Task WaitReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(async () =>
        {
            if (!server!.IsRunning)
            {
                throw new InvalidOperationException($"FeatureApi exited during start-up. Log:\n{TailLog()}");
            }
            try
            {
                using var response = await client.GetAsync("/health/ready");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, ReadyTimeout, "FeatureApi ready", TailLog);
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebHost>
{
    public const string Name = "web";
}
