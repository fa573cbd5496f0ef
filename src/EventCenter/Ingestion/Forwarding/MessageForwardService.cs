using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Forwarding;

/// <summary>
/// The message-forward entry path: checks a posted message against its source's format (so a sender learns at
/// once what is wrong), pins its event id and time, and puts it on the source's topic; completes only after the
/// bus confirmed delivery, so an answered request is never lost.
/// </summary>
/// <param name="sources">The registered sources.</param>
/// <param name="bus">Where messages go.</param>
/// <param name="clock">The clock of received times. Default: the system clock.</param>
/// <param name="maxEventTimeAhead">How far ahead of the clock an event time may be (ingestion dead-letters later ones). Default: 10 minutes.</param>
public sealed class MessageForwardService(SourceRegistry sources, IMessageBus bus, TimeProvider? clock = null, TimeSpan? maxEventTimeAhead = null) : IAsyncDisposable
{
    private readonly EventTimeLimits limits = new(maxEventTimeAhead ?? new IngestOptions().MaxEventTimeAhead);
    private readonly IBusProducer producer = bus.CreateProducer();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>Forwards <paramref name="messages"/> for <paramref name="sourceName"/>; all are delivered or none is answered as delivered.</summary>
    /// <exception cref="UnknownSourceException">No such source.</exception>
    /// <exception cref="RejectedMessagesException">Some messages do not parse; nothing was forwarded.</exception>
    public async Task<IReadOnlyList<ForwardedMessage>> ForwardAsync(string sourceName, IReadOnlyList<byte[]> messages, CancellationToken cancellationToken = default)
    {
        var source = sources.Find(sourceName) ?? throw new UnknownSourceException(sourceName);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var outgoing = new List<OutgoingMessage>(messages.Count);
        var ids = new List<string>(messages.Count);
        var errors = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            var headers = new List<KeyValuePair<string, byte[]>>
            {
                new(ForwardingHeaders.EventTime, Encoding.UTF8.GetBytes(now.ToString(CultureInfo.InvariantCulture))),
                new(ForwardingHeaders.Origin, "http"u8.ToArray()),
            };
            // Parse as ingestion will, to reject bad input now rather than dead-letter it later.
            var probe = EventParsers.Parse(source, new RawMessage(new SourcePosition("http", 0, i), null, messages[i], now, headers), now);
            if (probe.IsRejected)
            {
                errors.Add($"message {i}: {probe.Error}");
                continue;
            }
            if (probe.Events.Count != 1)
            {
                errors.Add($"message {i}: carries {probe.Events.Count} events; post one event per message");
                continue;
            }
            var parsed = probe.Events[0];
            if (limits.Check(parsed.EventTime, now, "the server's clock") is { } problem)
            {
                errors.Add($"message {i}: event time {problem}; " +
                    $"check the time field{(source.TimeField is { } field ? $" '{field}'" : "")} (ms since 1970, or ISO-8601)");
                continue;
            }
            if (source.TimeField is { } timeField && TimeRangeCheck.SecondsProblem(timeField, parsed.EventTime) is { } seconds)
            {
                errors.Add($"message {i}: {seconds}");
                continue;
            }
            // The source's own id wins; otherwise the request gets a fresh id that re-deliveries keep.
            var id = EventIds.IsBusPosition(parsed.EventId) ? "h-" + Guid.NewGuid().ToString("N") : parsed.EventId;
            headers.Add(new(ForwardingHeaders.EventId, Encoding.UTF8.GetBytes(id)));
            outgoing.Add(new OutgoingMessage(Encoding.UTF8.GetBytes(parsed.EntityKey), messages[i], headers));
            ids.Add(id);
        }
        if (errors.Count > 0)
        {
            throw new RejectedMessagesException(sourceName, errors);
        }
        var topic = source.EffectiveTopics[0];
        var positions = await producer.ProduceAsync(topic, outgoing, cancellationToken);
        return ids.Select((id, i) => new ForwardedMessage(id, new SourcePosition(positions[i].Topic, positions[i].Partition, positions[i].Offset))).ToList();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => producer.DisposeAsync();
}

/// <summary>A forwarded message: its event id and where it sits on the bus.</summary>
public sealed record ForwardedMessage(string EventId, SourcePosition Position);

/// <summary>No source has this name.</summary>
public sealed class UnknownSourceException(string source) : Exception($"Unknown source '{source}'.")
{
    /// <summary>The name asked for.</summary>
    public string SourceName { get; } = source;
}

/// <summary>Posted messages that do not parse with their source's format; nothing was forwarded.</summary>
public sealed class RejectedMessagesException(string source, IReadOnlyList<string> errors)
    : Exception($"Source '{source}' rejected {errors.Count} message(s): {string.Join("; ", errors.Take(5))}")
{
    /// <summary>One reason per rejected message.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
