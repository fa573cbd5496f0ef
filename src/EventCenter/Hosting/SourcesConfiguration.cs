using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Configuration;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Reads <c>EventCenter:Sources</c> keyed by source name (<c>Sources:orders:Format=Json</c>; the key is the name), so
/// a source added by environment variables (<c>EventCenter__Sources__payments__Format=Json</c>) can never merge into
/// another one. The older array shape (<c>Sources:0:Name=orders</c>) is still read: a numeric key is an array entry,
/// which must then state its <c>Name</c>.
/// </summary>
public static class SourcesConfiguration
{
    /// <summary>The sources of <paramref name="section"/> (the <c>Sources</c> section).</summary>
    /// <exception cref="ArgumentException">An entry without a name, a name that contradicts its key, or a name configured twice.</exception>
    public static IReadOnlyList<SourceDefinition> Read(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var byName = new Dictionary<string, (string Key, SourceDefinition Source)>(StringComparer.Ordinal);
        foreach (var child in section.GetChildren())
        {
            var bound = child.Get<SourceDefinition>();
            var isIndex = child.Key.All(char.IsAsciiDigit);
            string name;
            if (isIndex)
            {
                name = bound?.Name ?? "";
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw new ArgumentException($"{child.Path}:Name is required (array shape). Prefer the keyed shape, e.g. {section.Path}:<name>:Format, where the key is the name.");
                }
            }
            else
            {
                name = child.Key;
                if (bound?.Name is { Length: > 0 } stated && stated != name)
                {
                    throw new ArgumentException($"{child.Path}:Name is '{stated}', but the key names the source '{name}'; drop Name (the key is the name) or make them equal.");
                }
            }
            var source = (bound ?? new SourceDefinition { Name = name }) with { Name = name };
            if (byName.TryGetValue(name, out var earlier))
            {
                throw new ArgumentException($"Source '{name}' is configured twice ({section.Path}:{earlier.Key} and {child.Path}); each name once.");
            }
            byName[name] = (child.Key, source);
        }
        return [.. byName.Values.Select(v => v.Source)];
    }
}
