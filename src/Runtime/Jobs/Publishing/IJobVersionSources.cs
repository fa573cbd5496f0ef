namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>
/// The one seam through which job code is loaded from the registry: a version's content hash gives its module sources.
/// Whatever runs Python (this process's host, or a supervised worker process) materialises these sources and loads
/// them; nothing else about the registry is needed to run a version.
/// </summary>
public interface IJobVersionSources
{
    /// <summary>
    /// The modules of <paramref name="version"/>: module name → source text. The job module is named
    /// <see cref="JobVersionContent.JobModule"/> (<c>&lt;job&gt;</c>); the helper modules it imports by their dotted
    /// names. Null when no such version is registered.
    /// </summary>
    ValueTask<IReadOnlyDictionary<string, string>?> GetModulesAsync(string version, CancellationToken cancellationToken = default);
}
