using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>When two events with the same (source, event id) are the same change.</summary>
public static class ChangeIdentity
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> describe the same change: same entity, operation and
    /// before/after images (as JSON values: whitespace and member order do not matter). Event time, bus position,
    /// ingest time and headers are transport facts that may differ between two deliveries of one change (a forwarder
    /// pinning its receipt time, a connector re-send at a new offset), so they do not decide.
    /// </summary>
    public static bool SameChange(ChangeEvent a, ChangeEvent b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Source == b.Source && a.EntityKey == b.EntityKey && a.Operation == b.Operation
            && SameImage(a.Before, b.Before) && SameImage(a.After, b.After);
    }

    private static bool SameImage(byte[]? a, byte[]? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (a.AsSpan().SequenceEqual(b))
        {
            return true;
        }
        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
        }
        catch (JsonException)
        {
            return false; // not JSON (a message body): only byte equality counts
        }
    }
}
