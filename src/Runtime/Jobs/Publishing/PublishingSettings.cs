namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>Settings of the job registry's publishing flow (<c>Runtime:Publishing</c>).</summary>
public sealed record PublishingSettings
{
    /// <summary>
    /// Where this process writes the registry versions it loads (one folder per version, content-addressed, so
    /// processes may share it) and stages uploads being validated. Default: <c>&lt;temp&gt;/featureplatform-versions</c>.
    /// </summary>
    public string Directory { get; init; } = Path.Combine(Path.GetTempPath(), "featureplatform-versions");

    /// <summary>How often every runtime process reads the live pointers (a promotion or rollback made elsewhere is applied within it). Default: 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether approving a version requires a backtest compared with the live version first. Default: true.</summary>
    public bool RequireBacktest { get; init; } = true;

    /// <summary>Largest upload accepted (a module or a zip of modules), in bytes. Default: 1 MiB.</summary>
    public long MaxUploadBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Longest an upload's validation may take in its sandbox process (importing the module, running its own tests,
    /// checking its output schema); past it the process is killed and the upload fails. Default: 1 min.
    /// </summary>
    public TimeSpan ValidationTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("Runtime:Publishing:Directory must not be empty.");
        }
        if (PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Publishing:PollInterval must be positive (default 00:00:01).");
        }
        if (ValidationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Publishing:ValidationTimeout must be positive (default 00:01:00).");
        }
        if (MaxUploadBytes <= 0)
        {
            throw new ArgumentException("Runtime:Publishing:MaxUploadBytes must be positive (default 1048576).");
        }
    }
}
