using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// Settles one batch of a <see cref="RabbitForwarder"/>: produces what can be delivered, dead-letters what never can
/// be, and retries the rest with back-off until every message is one or the other. Messages the bus already took are
/// never sent again within the batch.
/// </summary>
internal sealed class ForwardBatchSender(
    RabbitForwarderOptions options, IBusProducer producer, IDeadLetterSink deadLetters, ILogger logger, TimeProvider clock, ForwarderStatus status)
{
    /// <summary>Settles <paramref name="batch"/>; throws when the RabbitMQ channel closes meanwhile (<paramref name="channelOpen"/>).</summary>
    public async Task<(int Forwarded, int DeadLettered)> SettleAsync(IReadOnlyList<PreparedDelivery> batch, Func<bool> channelOpen, CancellationToken cancellationToken)
    {
        var refused = batch.Where(p => p.Refusal is not null).Select(p => (Prepared: p, Reason: p.Refusal!)).ToList();
        var pending = batch.Where(p => p.Refusal is null).ToList();
        var forwarded = 0;
        for (var attempt = 0; pending.Count > 0;)
        {
            try
            {
                await producer.ProduceAsync(options.Topic, [.. pending.Select(p => p.Message)], cancellationToken);
                forwarded += pending.Count;
                pending = [];
            }
            catch (BusProduceException e) when (e.Outcomes.Count == pending.Count)
            {
                var retry = new List<PreparedDelivery>();
                for (var i = 0; i < pending.Count; i++)
                {
                    var outcome = e.Outcomes[i];
                    if (outcome.IsDelivered)
                    {
                        forwarded++;
                    }
                    else if (outcome.IsRefused)
                    {
                        refused.Add((pending[i], $"refused by the bus for good: {outcome.Error}"));
                    }
                    else
                    {
                        retry.Add(pending[i]);
                    }
                }
                pending = retry;
                if (pending.Count > 0)
                {
                    await FailAndWaitAsync($"the bus did not take {pending.Count} messages: {e.Message}", e, attempt++, channelOpen, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await FailAndWaitAsync($"the bus refuses the batch: {e.Message}", e, attempt++, channelOpen, cancellationToken);
            }
        }
        if (refused.Count > 0)
        {
            await WriteDeadLettersAsync(refused, channelOpen, cancellationToken);
        }
        return (forwarded, refused.Count);
    }

    private async Task WriteDeadLettersAsync(List<(PreparedDelivery Prepared, string Reason)> refused, Func<bool> channelOpen, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var letters = refused.Select(r => AmqpDeliveries.DeadLetter(options, r.Prepared, r.Reason, now)).ToList();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await deadLetters.WriteAsync(letters, cancellationToken);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await FailAndWaitAsync($"the dead-letter store refuses {letters.Count} messages: {e.Message}", e, attempt, channelOpen, cancellationToken);
            }
        }
        foreach (var letter in letters)
        {
            logger.LogWarning("Dead-lettered {Position} of source {Source} ({Bytes} bytes): {Reason}", letter.Position, letter.Source, letter.Value.Length, letter.Reason);
        }
    }

    private async Task FailAndWaitAsync(string cause, Exception error, int attempt, Func<bool> channelOpen, CancellationToken cancellationToken)
    {
        status.Fail(clock.GetUtcNow(), cause);
        var delay = options.Backoff(attempt);
        logger.LogWarning(error, "RabbitMQ forwarder {Queue} → {Topic}: {Cause}; retrying in {Delay} (attempt {Attempt})", options.Queue, options.Topic, cause, delay, attempt + 1);
        if (!channelOpen())
        {
            throw new IOException($"RabbitMQ channel of queue '{options.Queue}' closed while its batch was retried.", error);
        }
        await Task.Delay(delay, clock, cancellationToken);
    }
}
