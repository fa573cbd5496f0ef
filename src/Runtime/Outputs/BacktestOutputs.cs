using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>The result files of a backtest or replay run: CSV and JSON lines (<see cref="BacktestFileOutput"/>) and Parquet (<see cref="BacktestParquetOutput"/>).</summary>
public static class BacktestOutputs
{
    /// <summary>
    /// Outputs writing the run's result files in its result directory (none when it has no directory);
    /// <paramref name="includeLabel"/> adds the sample rows' labels (sample-table runs).
    /// </summary>
    public static RunOutputFactory Files(bool includeLabel) => run => run.ResultDirectory is { } directory
        ? [new BacktestFileOutput(directory, run.Job.Declaration.Outputs.Select(o => o.Name).ToList(), includeLabel), new BacktestParquetOutput(run, includeLabel)]
        : [];
}
