using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// Reads the <c>appsettings.json</c> (and <c>appsettings.{Environment}.json</c>) next to the DLL when the content root
/// (the working directory) has none and was not chosen explicitly (<c>--contentRoot</c>, <c>ASPNETCORE_CONTENTROOT</c>): running
/// <c>dotnet /opt/fp/FeaturePlatform.FeatureApi.dll</c> from another folder keeps the shipped sources, keys and jobs.
/// The files take the place of the content root's, so environment variables and the command line still override them.
/// </summary>
internal static class AppSettingsFallback
{
    public static void Apply(WebApplicationBuilder builder)
    {
        if (ContentRootChosen())
        {
            return; // chosen explicitly (--contentRoot, ASPNETCORE_CONTENTROOT): that folder's files only
        }
        var contentRoot = builder.Environment.ContentRootPath;
        var baseDirectory = AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(contentRoot, "appsettings.json")) || !File.Exists(Path.Combine(baseDirectory, "appsettings.json"))
            || Path.GetFullPath(contentRoot).TrimEnd('/') == Path.GetFullPath(baseDirectory).TrimEnd('/'))
        {
            return;
        }
        var sources = builder.Configuration.Sources;
        var index = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource { Path: { } p } && p.StartsWith("appsettings", StringComparison.Ordinal)).i;
        var files = new PhysicalFileProvider(baseDirectory);
        string[] names = ["appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json"];
        foreach (var name in names.Reverse())
        {
            sources.Insert(index + 1, new JsonConfigurationSource { FileProvider = files, Path = name, Optional = true, ReloadOnChange = false });
        }
    }

    /// <summary>Whether the command line or the environment names the content root (the builder's configuration always holds one).</summary>
    private static bool ContentRootChosen() =>
        Environment.GetCommandLineArgs().Any(a => a.TrimStart('-', '/').StartsWith(WebHostDefaults.ContentRootKey, StringComparison.OrdinalIgnoreCase))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
}
