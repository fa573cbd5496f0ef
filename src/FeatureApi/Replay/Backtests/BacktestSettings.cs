namespace FeaturePlatform.FeatureApi.Replay.Backtests;

/// <summary>Settings of backtests launched through the API (section <c>Backtests</c>).</summary>
public sealed record BacktestSettings
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Backtests";

    /// <summary>Where runs' result directories and uploaded sample tables go. Default: <c>&lt;EventCenter:DataDirectory&gt;/backtests</c>.</summary>
    public string? ResultRoot { get; init; }

    /// <summary>Largest accepted sample-table upload in bytes. Default: 64 MiB.</summary>
    public long MaxUploadBytes { get; init; } = 64L * 1024 * 1024;
}
