namespace FeaturePlatform.EventCenter.Bus;

/// <summary>
/// A produce call in which not every message was delivered. <see cref="Outcomes"/> lines up with the messages
/// passed in and says, per message, whether it is durable on the bus, refused for good (e.g. larger than the bus
/// accepts: sending it again can never succeed) or not delivered for a reason a retry may cure.
/// </summary>
public sealed class BusProduceException : IOException
{
    /// <summary>Creates the exception for a produce to <paramref name="topic"/>.</summary>
    public BusProduceException(string topic, IReadOnlyList<BusProduceOutcome> outcomes, Exception? inner = null)
        : base(Describe(topic, outcomes), inner)
    {
        Topic = topic;
        Outcomes = outcomes;
    }

    /// <summary>The topic produced to.</summary>
    public string Topic { get; }

    /// <summary>One outcome per message, in the order the messages were given.</summary>
    public IReadOnlyList<BusProduceOutcome> Outcomes { get; }

    private static string Describe(string topic, IReadOnlyList<BusProduceOutcome> outcomes)
    {
        var refused = outcomes.Select((o, i) => (o, i)).Where(x => x.o.IsRefused).ToList();
        var failed = outcomes.Count(o => o is { IsDelivered: false, IsRefused: false });
        var first = refused.Count > 0 ? $"; message {refused[0].i}: {refused[0].o.Error}" : "";
        return $"Produce to '{topic}': {outcomes.Count(o => o.IsDelivered)} delivered, {refused.Count} refused for good, {failed} not delivered{first}";
    }
}

/// <summary>What became of one message of a produce call.</summary>
/// <param name="Position">Where it was stored; null when it was not delivered.</param>
/// <param name="Error">Why it was not delivered; null when it was.</param>
/// <param name="Permanent">True when the bus refused the message for good (sending it again cannot succeed).</param>
public readonly record struct BusProduceOutcome(BusPosition? Position, string? Error, bool Permanent)
{
    /// <summary>Durable on the bus.</summary>
    public bool IsDelivered => Position is not null;

    /// <summary>Refused for good: the message itself is the problem.</summary>
    public bool IsRefused => Position is null && Permanent;

    /// <summary>A delivered message.</summary>
    public static BusProduceOutcome Delivered(BusPosition position) => new(position, null, false);

    /// <summary>A message the bus refuses for good.</summary>
    public static BusProduceOutcome Refused(string error) => new(null, error, true);

    /// <summary>A message not delivered for a reason a retry may cure.</summary>
    public static BusProduceOutcome Failed(string error) => new(null, error, false);
}
