namespace FeaturePlatform.Runtime.Models;

/// <summary>Settings of the model registry (<c>Runtime:Models</c>; docs/models.md).</summary>
public sealed record ModelSettings
{
    /// <summary>
    /// Where model artifacts are stored (<c>&lt;dir&gt;/&lt;name&gt;/&lt;version&gt;.&lt;framework&gt;</c>), never in the repository.
    /// Every runtime process (and its worker processes) loads models from it, so processes on several machines need it
    /// shared (e.g. an NFS mount). Default: <c>&lt;EventCenter:DataDirectory&gt;/models</c>.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>Largest artifact accepted by an upload, in bytes. Default: 256 MiB.</summary>
    public long MaxArtifactBytes { get; init; } = 256L << 20;

    /// <summary>The directory in use: <see cref="Directory"/>, else <c>models</c> under <paramref name="dataDirectory"/>.</summary>
    public string ResolveDirectory(string dataDirectory) => Path.GetFullPath(Directory is { Length: > 0 } dir ? dir : Path.Combine(dataDirectory, "models"));

    /// <summary>Throws naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (Directory is not null && string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("Runtime:Models:Directory must not be blank (leave it out for <EventCenter:DataDirectory>/models).");
        }
        if (MaxArtifactBytes <= 0)
        {
            throw new ArgumentException("Runtime:Models:MaxArtifactBytes must be positive (default 268435456).");
        }
    }
}
