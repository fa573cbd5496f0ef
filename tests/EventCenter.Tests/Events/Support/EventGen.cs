using System.Text;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>Random event sequences: out-of-order times, same-time ties, deletes, re-deliveries, id conflicts.</summary>
internal sealed class EventGen(Random random, string[] sources, int entities, long baseTime, int timeSlots, long slotMs)
{
    private readonly Dictionary<(string, int), long> _offsets = [];
    private readonly List<ChangeEvent> _emitted = [];
    private int _requests;

    public ChangeEvent Next()
    {
        var roll = random.NextDouble();
        if (roll < 0.1 && _emitted.Count > 0)
        {
            return _emitted[random.Next(_emitted.Count)]; // re-delivery
        }
        var source = sources[random.Next(sources.Length)];
        var partition = random.Next(3);
        var offset = _offsets.GetValueOrDefault((source, partition));
        _offsets[(source, partition)] = offset + 1;
        var position = new SourcePosition("topic-" + source, partition, offset);
        var id = roll < 0.15 && _emitted.Count > 0
            ? _emitted[random.Next(_emitted.Count)].EventId // conflict unless the source differs
            : random.Next(4) == 0 ? $"req-{_requests++}" : EventIds.FromPosition(position);
        var op = random.Next(10) switch
        {
            0 or 1 => EventOperation.Delete,
            2 => EventOperation.Insert,
            3 => EventOperation.Message,
            4 => EventOperation.SnapshotRead,
            _ => EventOperation.Update,
        };
        var e = new ChangeEvent
        {
            Source = source,
            EntityKey = "k" + random.Next(entities),
            Operation = op,
            EventTime = baseTime + (random.Next(timeSlots) * slotMs),
            IngestTime = baseTime + random.Next(1_000_000),
            Position = position,
            EventId = id,
            Before = random.Next(3) == 0 ? Encoding.UTF8.GetBytes($"{{\"old\":{random.Next()}}}") : null,
            After = op == EventOperation.Delete ? null : Encoding.UTF8.GetBytes($"{{\"v\":{random.Next()}}}"),
            Headers = random.Next(3) == 0 ? new Dictionary<string, string> { ["h"] = random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) } : new Dictionary<string, string>(),
        };
        _emitted.Add(e);
        return e;
    }
}
