using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// Announces corrected events on the bus (<see cref="CorrectionOptions.Topic"/>): durable before the events are
/// written, so a crash between the two loses no repair (the repair side waits for the announced events to be stored).
/// </summary>
public sealed class CorrectionAnnouncer(IMessageBus bus, CorrectionOptions options) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private IBusProducer? producer;
    private Task? topicReady;

    /// <summary>The topic announcements go to.</summary>
    public string Topic => options.Topic;

    /// <summary>Creates the announcements topic if it does not exist (once per process; retried after a failure).</summary>
    public Task EnsureTopicAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (topicReady is null || topicReady.IsFaulted || topicReady.IsCanceled)
            {
                topicReady = bus.CreateTopicAsync(options.Topic, 1, CancellationToken.None).AsTask();
            }
            return topicReady.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Announces the correction events <paramref name="eventIds"/> of <paramref name="source"/>; completes once the bus holds it.</summary>
    public async Task AnnounceAsync(string source, IReadOnlyList<string> eventIds, CancellationToken cancellationToken = default)
    {
        if (eventIds.Count == 0)
        {
            return;
        }
        await EnsureTopicAsync(cancellationToken);
        IBusProducer current;
        lock (gate)
        {
            current = producer ??= bus.CreateProducer();
        }
        await current.ProduceAsync(options.Topic, [new OutgoingMessage(Encoding.UTF8.GetBytes(source), CorrectionNotice.Encode(new CorrectionNotice(source, eventIds)))], cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        IBusProducer? current;
        lock (gate)
        {
            (current, producer) = (producer, null);
        }
        if (current is not null)
        {
            await current.DisposeAsync();
        }
    }
}

/// <summary>One announcement: correction events of a source, by id.</summary>
/// <param name="Source">The corrected source.</param>
/// <param name="EventIds">The correction events' ids.</param>
public sealed record CorrectionNotice(string Source, IReadOnlyList<string> EventIds)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The notice as UTF-8 JSON (<c>{"source":…,"eventIds":[…]}</c>).</summary>
    public static byte[] Encode(CorrectionNotice notice) => JsonSerializer.SerializeToUtf8Bytes(notice, Json);

    /// <summary>The notice in <paramref name="bytes"/>, or null when they are not one.</summary>
    public static CorrectionNotice? Decode(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<CorrectionNotice>(bytes, Json) is { Source.Length: > 0, EventIds: not null } notice ? notice : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
