using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// Results to a topic of the bus (Kafka, or the embedded bus on one machine). Each result is one message: key = the
/// entity key (so one entity's results stay in one partition, in order), value = the JSON document of
/// <see cref="ResultJson"/>, header <c>fp-result-id</c> = <see cref="FeatureResult.ResultId"/>.
/// </summary>
/// <remarks>
/// <see cref="WriteAsync"/> completes once the bus has durably stored every message (Kafka: acks=all). A batch written
/// again after a crash produces the same result ids; consumers de-duplicate by the header or the JSON's
/// <c>result_id</c>.
/// </remarks>
public sealed class KafkaOutput : IJobOutput
{
    /// <summary>The header carrying the result id.</summary>
    public const string ResultIdHeader = "fp-result-id";

    /// <summary>Header <c>fp-correction: true</c> on a message that replaces the one with the same result id.</summary>
    public const string CorrectionHeader = "fp-correction";

    private readonly IBusProducer producer;

    /// <summary>Creates the output; it owns a producer of <paramref name="bus"/> until disposed.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="topic">The topic results go to.</param>
    public KafkaOutput(IMessageBus bus, string topic)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        Topic = topic;
        producer = bus.CreateProducer();
    }

    /// <summary>The topic results go to.</summary>
    public string Topic { get; }

    /// <inheritdoc />
    public string Name => "kafka:" + Topic;

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        var messages = new OutgoingMessage[results.Count];
        for (var i = 0; i < results.Count; i++)
        {
            messages[i] = ToMessage(results[i]);
        }
        await producer.ProduceAsync(Topic, messages, cancellationToken);
    }

    /// <summary>The message a result becomes.</summary>
    internal static OutgoingMessage ToMessage(FeatureResult result) => new(
        Encoding.UTF8.GetBytes(result.Key),
        ResultJson.Serialize(result),
        result.Correction
            ? [new KeyValuePair<string, byte[]>(ResultIdHeader, Encoding.UTF8.GetBytes(result.ResultId)), new KeyValuePair<string, byte[]>(CorrectionHeader, "true"u8.ToArray())]
            : [new KeyValuePair<string, byte[]>(ResultIdHeader, Encoding.UTF8.GetBytes(result.ResultId))]);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => producer.DisposeAsync();
}
