using System.Text.RegularExpressions;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.FeatureApi.Catalog;

/// <summary>
/// The sources a job reads besides its triggers: the source names its module passes as string literals to the SDK's
/// read helpers (<c>ctx.fetch("user_profile", …)</c>, <c>ctx.history("orders", …)</c>, …). A source chosen at run time
/// (a variable) is not found; the module is re-read only when its file changes.
/// </summary>
public sealed partial class JobReads
{
    private readonly Dictionary<string, (DateTime Written, IReadOnlyList<string> Reads)> cache = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>The sources <paramref name="declaration"/>'s module reads by name, in order of first appearance.</summary>
    public IReadOnlyList<string> Of(JobDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var file = declaration.File;
        if (!File.Exists(file))
        {
            return [];
        }
        var written = File.GetLastWriteTimeUtc(file);
        lock (gate)
        {
            if (cache.TryGetValue(file, out var known) && known.Written == written)
            {
                return known.Reads;
            }
        }
        var reads = Parse(File.ReadAllText(file));
        lock (gate)
        {
            cache[file] = (written, reads);
        }
        return reads;
    }

    /// <summary>The source names read in <paramref name="code"/>.</summary>
    public static IReadOnlyList<string> Parse(string code) =>
        [.. ReadCall().Matches(code ?? "").Select(m => m.Groups["source"].Value).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex(@"\bctx\s*\.\s*(?:fetch|history)\s*\(\s*(?<q>['""])(?<source>[^'""]+)\k<q>")]
    private static partial Regex ReadCall();
}
