using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>One end of a row-key range.</summary>
internal readonly record struct KeyBound(byte[] Key, bool Inclusive);

/// <summary>
/// The row-key range a scan reads, from its start/stop rows and prefix, in either direction; null ends are open.
/// </summary>
internal readonly record struct KeyRange(KeyBound? Lower, KeyBound? Upper)
{
    public static KeyRange For(Scan scan)
    {
        KeyBound? lower;
        KeyBound? upper;
        if (!scan.Reversed)
        {
            lower = scan.StartRow.Length > 0 ? new KeyBound(scan.StartRow, true) : null;
            upper = scan.StopRow.Length > 0 ? new KeyBound(scan.StopRow, false) : null;
        }
        else
        {
            upper = scan.StartRow.Length > 0 ? new KeyBound(scan.StartRow, true) : null;
            lower = scan.StopRow.Length > 0 ? new KeyBound(scan.StopRow, false) : null;
        }
        if (scan.Prefix.Length > 0)
        {
            if (lower is null || RowKeys.Compare(scan.Prefix, lower.Value.Key) > 0)
            {
                lower = new KeyBound(scan.Prefix, true);
            }
            var end = RowKeys.PrefixEnd(scan.Prefix);
            if (end.Length > 0 && (upper is null || RowKeys.Compare(end, upper.Value.Key) <= 0))
            {
                upper = new KeyBound(end, false);
            }
        }
        return new KeyRange(lower, upper);
    }

    /// <summary>True when no key can lie in the range.</summary>
    public bool IsEmpty
    {
        get
        {
            if (Lower is not { } lo || Upper is not { } hi)
            {
                return false;
            }
            var c = RowKeys.Compare(lo.Key, hi.Key);
            return c > 0 || (c == 0 && !(lo.Inclusive && hi.Inclusive));
        }
    }

    /// <summary>The rest of the range after <paramref name="lastRow"/> was read, in the scan's direction.</summary>
    public KeyRange After(byte[] lastRow, bool reversed) =>
        reversed ? this with { Upper = new KeyBound(lastRow, false) } : this with { Lower = new KeyBound(lastRow, false) };
}
