using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// The one order of stored events across sources: event time, then source position (stream, partition, offset),
/// then event id, source and entity. Within one source it is exactly the order the store replays in (the time
/// index's key order: strings compare as their UTF-8 bytes), so merging per-source replays with it keeps each
/// source's order and gives a total, deterministic order over several sources.
/// </summary>
public sealed class EventOrder : IComparer<ChangeEvent>
{
    /// <summary>The comparer.</summary>
    public static EventOrder Instance { get; } = new();

    private EventOrder()
    {
    }

    /// <inheritdoc />
    public int Compare(ChangeEvent? x, ChangeEvent? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }
        var c = x.EventTime.CompareTo(y.EventTime);
        if (c != 0)
        {
            return c;
        }
        c = Utf8Order(x.Position.Stream, y.Position.Stream);
        if (c != 0)
        {
            return c;
        }
        c = x.Position.Partition.CompareTo(y.Position.Partition);
        if (c != 0)
        {
            return c;
        }
        c = x.Position.Offset.CompareTo(y.Position.Offset);
        if (c != 0)
        {
            return c;
        }
        c = Utf8Order(x.EventId, y.EventId);
        if (c != 0)
        {
            return c;
        }
        c = Utf8Order(x.Source, y.Source);
        return c != 0 ? c : Utf8Order(x.EntityKey, y.EntityKey);
    }

    /// <summary>
    /// Compares two strings as their UTF-8 bytes compare (code point order), without encoding them: UTF-16 code units
    /// order the same way except that a surrogate (a code point above U+FFFF) sorts after U+E000–U+FFFF.
    /// </summary>
    public static int Utf8Order(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var (ca, cb) = (a[i], b[i]);
            if (ca != cb)
            {
                return char.IsSurrogate(ca) == char.IsSurrogate(cb) ? ca.CompareTo(cb) : char.IsSurrogate(ca) ? 1 : -1;
            }
        }
        return a.Length.CompareTo(b.Length);
    }
}
