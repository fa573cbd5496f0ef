namespace FeaturePlatform.EventCenter.EventStorage.Tiering;

/// <summary>Counts of how reads were served, for metrics and tests.</summary>
public sealed class TieringCounters
{
    private long _hotReads;
    private long _coldReads;
    private long _reheatedEvents;

    /// <summary>Reads answered from the hot store alone.</summary>
    public long HotReads => Interlocked.Read(ref _hotReads);

    /// <summary>Reads that had to read the cold store.</summary>
    public long ColdReads => Interlocked.Read(ref _coldReads);

    /// <summary>Events copied from cold back into hot by reads.</summary>
    public long ReheatedEvents => Interlocked.Read(ref _reheatedEvents);

    internal void Hot() => Interlocked.Increment(ref _hotReads);

    internal void Cold() => Interlocked.Increment(ref _coldReads);

    internal void Reheated(int count) => Interlocked.Add(ref _reheatedEvents, count);

    /// <inheritdoc />
    public override string ToString() => $"hot={HotReads} cold={ColdReads} reheated={ReheatedEvents}";
}
