using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>The obvious model of the event tables: a list of accepted events, scanned linearly.</summary>
internal sealed class ReferenceModel
{
    private readonly Dictionary<(string, string), ChangeEvent> _byId = [];

    public IEnumerable<ChangeEvent> All => _byId.Values;

    /// <summary>First writer of an id wins; the same change again (entity, operation, images) is a duplicate, anything else a conflict.</summary>
    public WriteOutcome Write(ChangeEvent e)
    {
        if (!_byId.TryGetValue((e.Source, e.EventId), out var stored))
        {
            _byId[(e.Source, e.EventId)] = e;
            return WriteOutcome.Written;
        }
        return stored.EntityKey == e.EntityKey && stored.Operation == e.Operation
            && Same(stored.Before, e.Before) && Same(stored.After, e.After)
            ? WriteOutcome.Duplicate : WriteOutcome.Conflict;
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    public ChangeEvent? Latest(string source, string entity, long asOf) =>
        Order(_byId.Values.Where(e => e.Source == source && e.EntityKey == entity && e.EventTime <= asOf)).LastOrDefault();

    public List<ChangeEvent> History(string source, string entity, long from, long to) =>
        [.. Order(_byId.Values.Where(e => e.Source == source && e.EntityKey == entity && e.EventTime >= from && e.EventTime < to))];

    public List<ChangeEvent> Replay(string source, long from, long to) =>
        [.. Order(_byId.Values.Where(e => e.Source == source && e.EventTime >= from && e.EventTime < to)).ThenBy(e => e.EntityKey, StringComparer.Ordinal)];

    public ChangeEvent? ById(string source, string id) => _byId.GetValueOrDefault((source, id));

    /// <summary>(time, stream, partition, offset, id): the documented deterministic order (ASCII strings).</summary>
    private static IOrderedEnumerable<ChangeEvent> Order(IEnumerable<ChangeEvent> events) =>
        events.OrderBy(e => e.EventTime).ThenBy(e => e.Position.Stream, StringComparer.Ordinal)
            .ThenBy(e => e.Position.Partition).ThenBy(e => e.Position.Offset).ThenBy(e => e.EventId, StringComparer.Ordinal);
}
