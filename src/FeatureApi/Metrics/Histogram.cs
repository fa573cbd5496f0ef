namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>A Prometheus histogram of seconds: cumulative bucket counts, sum and count (thread-safe).</summary>
internal sealed class Histogram
{
    /// <summary>Upper bounds in seconds (le), 1 ms to 10 s.</summary>
    public static readonly double[] Bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] counts = new long[Bounds.Length];
    private readonly Lock gate = new();
    private long count;
    private double sum;

    public void Observe(double seconds)
    {
        lock (gate)
        {
            for (var i = 0; i < Bounds.Length; i++)
            {
                if (seconds <= Bounds[i])
                {
                    counts[i]++;
                }
            }
            count++;
            sum += seconds;
        }
    }

    /// <summary>Cumulative counts per bound, the +Inf count and the sum, read consistently.</summary>
    public (long[] Cumulative, long Count, double Sum) Snapshot()
    {
        lock (gate)
        {
            return ((long[])counts.Clone(), count, sum);
        }
    }
}
