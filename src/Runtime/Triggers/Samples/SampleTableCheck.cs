using FeaturePlatform.EventCenter.Ingestion;

namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>
/// Checks a sample table before a run starts, so a table that would run over nothing is refused with a message instead
/// of becoming a run of empty results: the CSV header must name the key and time columns, and no time among the first
/// <see cref="MaxCheckedRows"/> rows may look like seconds (<see cref="TimeRangeCheck"/>). Rows that do not read are
/// not refused here: the run skips, counts and reports them.
/// </summary>
public static class SampleTableCheck
{
    /// <summary>Rows read at most: 10,000 (a table in seconds is in seconds from its first row).</summary>
    public const int MaxCheckedRows = 10_000;

    /// <summary>
    /// Null when the table at <paramref name="path"/> may run, else a message naming <c>file</c>, the line and the column
    /// and the fix. The message never shows <paramref name="path"/> itself.
    /// </summary>
    public static async Task<string?> ProblemAsync(string path, SampleTableOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rows = 0;
        try
        {
            await foreach (var entry in SampleTableReader.ReadAsync(path, options, cancellationToken))
            {
                if (entry.Row is { } row && TimeRangeCheck.SecondsReason(row.Time) is { } seconds)
                {
                    return $"file: line {row.Line}, column '{options.TimeColumn}': {seconds} Give the sample table's times in milliseconds or ISO-8601.";
                }
                if (++rows >= MaxCheckedRows)
                {
                    break;
                }
            }
        }
        catch (InvalidDataException e)
        {
            return "file: " + e.Message.Replace(path + ":", "line ", StringComparison.Ordinal).Replace(path, "the table", StringComparison.Ordinal);
        }
        return null;
    }
}
