using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>What one fault scenario measured.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Acknowledged">Events (or calls) the platform acknowledged to their producer (Kafka ack, HTTP 200/202).</param>
/// <param name="Stored">Distinct acknowledged events found in the event center afterwards (calls: answered).</param>
/// <param name="DuplicatesStored">Stored rows beyond one per event id (must be 0).</param>
/// <param name="DuplicateDeliveries">Result messages on the output topic beyond one per result id: at-least-once re-deliveries of the same result (same id, same values; consumers keep one per id).</param>
/// <param name="ResultsMissing">Acknowledged events with no result (or a wrong final feature row); calls not answered.</param>
/// <param name="RecoverySeconds">From the end of the fault (link up, broker up, kill) until every result was there.</param>
/// <param name="Detail">What happened, in a sentence.</param>
public sealed record FaultReport(
    string Scenario, int Acknowledged, int Stored, int DuplicatesStored, int DuplicateDeliveries, int ResultsMissing, double RecoverySeconds, string Detail)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Where the reports go: <c>$TMPDIR/featureplatform-tests/cluster-faults</c> (kept after the run).</summary>
    public static string Directory => Path.Combine(Path.GetTempPath(), "featureplatform-tests", "cluster-faults");

    /// <summary>One markdown table row.</summary>
    public string MarkdownRow => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Acknowledged} | {Stored} | {DuplicatesStored} | {DuplicateDeliveries} | {ResultsMissing} | {RecoverySeconds:0.0} | {Detail} |");

    /// <summary>
    /// Writes <c>&lt;Scenario&gt;.json</c> and rewrites <c>cluster-faults.md</c> (a table of every scenario's latest
    /// report in <see cref="Directory"/>); returns the markdown table for the test output.
    /// </summary>
    public async Task<string> WriteAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(Path.Combine(Directory, Scenario + ".json"), JsonSerializer.Serialize(this, Json));
        var rows = new List<FaultReport>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            if (JsonSerializer.Deserialize<FaultReport>(await File.ReadAllTextAsync(file)) is { } report)
            {
                rows.Add(report);
            }
        }
        var table = new StringBuilder()
            .AppendLine("| scenario | acknowledged | stored | duplicates stored | duplicate deliveries | results missing | recovery s | detail |")
            .AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            table.AppendLine(row.MarkdownRow);
        }
        await File.WriteAllTextAsync(Path.Combine(Directory, "cluster-faults.md"), "# Cluster fault scenarios\n\n" + table);
        return "| scenario | acknowledged | stored | duplicates stored | duplicate deliveries | results missing | recovery s | detail |\n|---|---|---|---|---|---|---|---|\n" + MarkdownRow;
    }
}
