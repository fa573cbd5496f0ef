using Microsoft.Extensions.FileProviders;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// Serves the operators' and authors' web UI (the repository's <c>web/</c> folder: static ES modules and CSS, no
/// build step) at <c>/</c>, anonymously (the UI itself asks for an API key and sends it with every API call).
/// </summary>
public static class WebUi
{
    /// <summary>Configuration key of an explicit web root.</summary>
    public const string RootSetting = "Web:Root";

    /// <summary>
    /// The folder served: <c>Web:Root</c> when set; else the repository's <c>web/</c> next to the content root
    /// (<c>dotnet run --project src/FeatureApi</c>: edits show without a rebuild); else the copy in the build output.
    /// Null when none has an <c>index.html</c>.
    /// </summary>
    public static string? FindRoot(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[RootSetting] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        string[] candidates = [Path.Combine(contentRoot, "..", "..", "web"), Path.Combine(AppContext.BaseDirectory, "web")];
        return candidates.Select(Path.GetFullPath).FirstOrDefault(c => File.Exists(Path.Combine(c, "index.html")));
    }

    /// <summary>Adds default files (<c>index.html</c>) and static files from <see cref="FindRoot"/>, before authentication.</summary>
    public static WebApplication UseWebUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var root = FindRoot(app.Configuration, app.Environment.ContentRootPath);
        if (root is null || !Directory.Exists(root))
        {
            app.Logger.LogWarning("No web UI folder found (set {Setting}); / serves nothing.", RootSetting);
            return app;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Always revalidate: the UI has no build step and no content hashes in its file names.
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
