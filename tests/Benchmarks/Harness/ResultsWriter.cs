using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.Benchmarks.Harness;

/// <summary>Prints a scenario's measurements as a table and writes them to results/&lt;scenario&gt;.json.</summary>
public static class ResultsWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The folder results go to: tests/Benchmarks/results next to the project file.</summary>
    public static string ResultsDirectory(string projectDirectory) => Path.Combine(projectDirectory, "results");

    /// <summary>Formats the measurements as an aligned text table.</summary>
    public static string FormatTable(IReadOnlyList<Measurement> measurements)
    {
        string[] header = ["measurement", "value", "unit", "baseline", "baseline value", "ratio"];
        var rows = measurements.Select(m => new[]
        {
            m.Name, Format(m.Value), m.Unit, m.Baseline, Format(m.BaselineValue), m.Ratio.ToString("0.000", CultureInfo.InvariantCulture),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var lines = new List<string> { Line(header, widths), string.Join("-+-", widths.Select(w => new string('-', w))) };
        lines.AddRange(rows.Select(r => Line(r, widths)));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Writes the measurements as JSON and returns the file's path.</summary>
    public static string Write(string resultsDirectory, string scenario, IReadOnlyList<Measurement> measurements)
    {
        Directory.CreateDirectory(resultsDirectory);
        var path = Path.Combine(resultsDirectory, scenario + ".json");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(measurements, JsonOptions) + Environment.NewLine);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join(" | ", cells.Select((c, i) => i is 0 or 2 or 3 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));

    private static string Format(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("#,0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
