using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// A call on the calls topic: the request's event exactly as the API stored it in the event center, the job to run
/// and where to publish the answer (request–message). JSON; the message key is the request id.
/// </summary>
internal sealed record CallMessage(
    string Job,
    string Source,
    string Key,
    string RequestId,
    long EventTime,
    long IngestTime,
    string? Data,
    CallReplyTarget? Reply)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static CallMessage From(string job, ChangeEvent stored, CallReplyTarget? reply) => new(
        job, stored.Source, stored.EntityKey, stored.EventId, stored.EventTime, stored.IngestTime,
        stored.After is null ? null : Encoding.UTF8.GetString(stored.After), reply);

    /// <summary>The stored event, rebuilt field by field (what <see cref="JobCaller.StoreAsync(CallRequest, CancellationToken)"/> stored).</summary>
    public ChangeEvent ToEvent() => new()
    {
        Source = Source,
        EntityKey = Key,
        Operation = EventOperation.Message,
        EventTime = EventTime,
        IngestTime = IngestTime,
        Position = new SourcePosition(JobCaller.CallStream, 0, EventTime),
        EventId = RequestId,
        After = Data is null ? null : Encoding.UTF8.GetBytes(Data),
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <exception cref="JsonException">Not JSON, or a required field (job, source, key, request id) is missing or empty.</exception>
    public static CallMessage FromJson(ReadOnlySpan<byte> json)
    {
        var message = JsonSerializer.Deserialize<CallMessage>(json, Json) ?? throw new JsonException("A call message is null.");
        return string.IsNullOrEmpty(message.Job) || string.IsNullOrEmpty(message.Source) || string.IsNullOrEmpty(message.Key) || string.IsNullOrEmpty(message.RequestId)
            ? throw new JsonException("A call message needs job, source, key and requestId.")
            : message;
    }
}
