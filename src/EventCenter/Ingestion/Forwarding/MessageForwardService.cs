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

    /// <summary>
    /// Forwards <paramref name="messages"/> for <paramref name="sourceName"/>; all are delivered or none is answered as
    /// delivered. A connector's housekeeping message (DDL, heartbeat, tombstone, …) is forwarded too, for ingestion to
    /// record as what it is; a Canal message with rows of several entities goes as one bus message per entity.
    /// </summary>
    /// <exception cref="UnknownSourceException">No such source.</exception>
    /// <exception cref="RejectedMessagesException">Some messages do not parse; nothing was forwarded.</exception>
    public async Task<ForwardResult> ForwardAsync(string sourceName, IReadOnlyList<byte[]> messages, CancellationToken cancellationToken = default)
    {
        var source = sources.Find(sourceName) ?? throw new UnknownSourceException(sourceName);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var outgoing = new List<OutgoingMessage>(messages.Count);
        var answers = new List<(int Message, IReadOnlyList<string> Ids, HousekeepingMessage? Housekeeping)>(messages.Count);
        var errors = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            // Parse as ingestion will, to reject bad input now rather than dead-letter it later.
            var probe = Probe(source, messages[i], Headers(now), i, now);
            if (probe.IsRejected)
            {
                errors.Add($"message {i}: {probe.Error}");
                continue;
            }
            if (probe.HousekeepingMessage is { } housekeeping)
            {
                outgoing.Add(new OutgoingMessage(null, messages[i], Headers(now)));
                answers.Add((i, [], housekeeping));
                continue;
            }
            if (TimeProblem(source, probe.Events, now) is { } problem)
            {
                errors.Add($"message {i}: {problem}");
                continue;
            }
            var parts = source.Format == SourceFormat.Canal ? CanalParts.ByEntity(messages[i], probe.Events) : null;
            foreach (var (key, value) in parts ?? [(KeyChanges.BusKey(probe.Events), messages[i])])
            {
                var headers = Headers(now);
                var partProbe = parts is null ? probe : Probe(source, value, headers, i, now);
                if (partProbe.IsRejected)
                {
                    errors.Add($"message {i}: the rows of entity '{key}': {partProbe.Error}");
                    break;
                }
                var events = partProbe.Events;
                if (events.Any(e => EventIds.IsBusPosition(e.EventId)))
                {
                    // The format names no position: the request gets a fresh id that re-deliveries keep, and ingestion
                    // takes the pinned id, so the answered ids are the stored ones.
                    headers.Add(new(ForwardingHeaders.EventId, Encoding.UTF8.GetBytes("h-" + Guid.NewGuid().ToString("N"))));
                    events = Probe(source, value, headers, i, now).Events;
                }
                outgoing.Add(new OutgoingMessage(Encoding.UTF8.GetBytes(key), value, headers));
                answers.Add((i, events.Select(e => e.EventId).ToList(), null));
            }
        }
        if (errors.Count > 0)
        {
            throw new RejectedMessagesException(sourceName, errors);
        }
        var topic = source.EffectiveTopics[0];
        var positions = await producer.ProduceAsync(topic, outgoing, cancellationToken);
        var forwarded = new List<ForwardedMessage>();
        var housekept = new List<ForwardedHousekeeping>();
        for (var m = 0; m < answers.Count; m++)
        {
            var position = new SourcePosition(positions[m].Topic, positions[m].Partition, positions[m].Offset);
            if (answers[m].Housekeeping is { } h)
            {
                housekept.Add(new ForwardedHousekeeping(answers[m].Message, h.Kind, h.Description, position));
            }
            forwarded.AddRange(answers[m].Ids.Select(id => new ForwardedMessage(id, position, answers[m].Message)));
        }
        return new ForwardResult(forwarded, housekept);
    }

    private static List<KeyValuePair<string, byte[]>> Headers(long now) =>
    [
        new(ForwardingHeaders.EventTime, Encoding.UTF8.GetBytes(now.ToString(CultureInfo.InvariantCulture))),
        new(ForwardingHeaders.Origin, "http"u8.ToArray()),
    ];

    private static ParseResult Probe(SourceDefinition source, byte[] value, List<KeyValuePair<string, byte[]>> headers, int index, long now) =>
        EventParsers.Parse(source, new RawMessage(new SourcePosition("http", 0, index), null, value, now, headers), now);

    /// <summary>
    /// Why an event time of the message cannot be stored, or null. (A time field that looks like seconds is rejected by
    /// the parser itself, <see cref="JsonFields.Millis"/>, for every path a message takes.)
    /// </summary>
    private string? TimeProblem(SourceDefinition source, IReadOnlyList<ChangeEvent> events, long now)
    {
        foreach (var parsed in events)
        {
            if (limits.Check(parsed.EventTime, now, "the server's clock") is { } problem)
            {
                return $"event time {problem}; check the time field{(TimeFieldName(source) is { } field ? $" '{field}'" : "")} (ms since 1970, or ISO-8601)";
            }
        }
        return null;
    }

    /// <summary>The field the event time came from, as a sender would name it.</summary>
    private static string? TimeFieldName(SourceDefinition source) => source.Format switch
    {
        SourceFormat.Json => source.TimeField,
        SourceFormat.Debezium => "source.ts_ms (else ts_ms)",
        SourceFormat.Canal => "es (else ts)",
        _ => null, // Maxwell's ts is in seconds; the parser scales it.
    };

    /// <inheritdoc />
    public ValueTask DisposeAsync() => producer.DisposeAsync();
}

/// <summary>A forwarded event: its event id, where its message sits on the bus and the index of the posted message it came from.</summary>
public sealed record ForwardedMessage(string EventId, SourcePosition Position, int Message = 0);

/// <summary>A posted housekeeping message (DDL, heartbeat, tombstone, …): forwarded for ingestion to record; it carries no event.</summary>
public sealed record ForwardedHousekeeping(int Message, HousekeepingKind Kind, string Description, SourcePosition Position);

/// <summary>What a forward delivered: the events in posting order (a multi-row message gives several) and the housekeeping messages.</summary>
public sealed record ForwardResult(IReadOnlyList<ForwardedMessage> Events, IReadOnlyList<ForwardedHousekeeping> Housekeeping);

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
