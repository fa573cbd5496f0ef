using System.Globalization;
using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>Renders a run's progress as one text line: bar, events done/total, rate, ETA, errors.</summary>
internal static class ProgressBar
{
    /// <summary>The line for <paramref name="status"/>, <paramref name="width"/> cells of bar.</summary>
    public static string Render(RunStatus status, int width = 30)
    {
        var p = status.Progress;
        var fraction = p.Fraction;
        var filled = fraction is { } f ? (int)Math.Round(f * width) : 0;
        var bar = fraction is null ? new string('?', width) : new string('#', filled) + new string('.', width - filled);
        var total = p.EstimatedTotal is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "?";
        var percent = fraction is { } pf ? pf.ToString("P1", CultureInfo.InvariantCulture) : "--";
        var eta = p.Eta is { } e ? Format(e) : "--:--";
        var extra = p.BadRows > 0 ? $"  bad rows {p.BadRows.ToString("N0", CultureInfo.InvariantCulture)}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{bar}] {p.EventsDone:N0}/{total} {percent}  {p.EventsPerSecond:N0} ev/s  ETA {eta}  errors {p.Errors:N0}{extra}");
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes:00}:{t.Seconds:00}");
}
