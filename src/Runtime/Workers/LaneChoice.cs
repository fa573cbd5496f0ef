namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// Which worker of a lane takes a run. The least busy live worker, except that a run source (one runner's data source)
/// stays with the worker it used last while that worker is no busier than the least busy one plus one run: the worker
/// keeps that source's settled reads (<see cref="SettledCopies"/>), so alternating a replay runner's batches between
/// workers would fill both workers' copies and send twice the reads across to the host.
/// </summary>
internal static class LaneChoice
{
    /// <summary>
    /// The slot to use: <paramref name="preferred"/> (the source's last) when it is alive and at most one run busier than
    /// the least busy live slot, else the least busy live slot; -1 when no slot is alive.
    /// </summary>
    public static int Pick(ReadOnlySpan<(bool Alive, int InFlight)> slots, int preferred)
    {
        var best = -1;
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Alive && (best < 0 || slots[i].InFlight < slots[best].InFlight))
            {
                best = i;
            }
        }
        return best >= 0 && preferred >= 0 && preferred < slots.Length && slots[preferred].Alive && slots[preferred].InFlight <= slots[best].InFlight + 1
            ? preferred
            : best;
    }
}
