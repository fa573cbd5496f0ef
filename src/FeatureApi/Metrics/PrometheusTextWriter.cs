using System.Globalization;
using System.Text;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4): HELP/TYPE lines, escaped labels.</summary>
internal sealed class PrometheusTextWriter
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder text = new();

    /// <summary>Starts a metric family.</summary>
    public void Family(string name, string type, string help)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>One sample line.</summary>
    public void Sample(string name, IReadOnlyList<KeyValuePair<string, string>> labels, double value)
    {
        text.Append(name);
        if (labels.Count > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }
                text.Append(labels[i].Key).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Format(value)).Append('\n');
    }

    /// <summary>The buckets, sum and count of a histogram.</summary>
    public void Histogram(string name, IReadOnlyList<KeyValuePair<string, string>> labels, Histogram histogram)
    {
        var (cumulative, count, sum) = histogram.Snapshot();
        for (var i = 0; i < cumulative.Length; i++)
        {
            Sample(name + "_bucket", [.. labels, new("le", Format(Metrics.Histogram.Bounds[i]))], cumulative[i]);
        }
        Sample(name + "_bucket", [.. labels, new("le", "+Inf")], count);
        Sample(name + "_sum", labels, sum);
        Sample(name + "_count", labels, count);
    }

    public override string ToString() => text.ToString();

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    internal static string EscapeLabel(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP text escapes backslash and line feed.</summary>
    internal static string EscapeHelp(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
