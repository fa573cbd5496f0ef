namespace FeaturePlatform.Runtime.Calls;

/// <summary>Publishes call answers to the reply target a request named (request–message calls); the RabbitMQ adapter implements it.</summary>
public interface ICallReplyPublisher : IAsyncDisposable
{
    /// <summary>Answers published so far.</summary>
    long Published { get; }

    /// <summary>Publishes <paramref name="answer"/> to <paramref name="target"/>; completes once the broker confirmed it.</summary>
    Task PublishAsync(CallReplyTarget target, CallAnswer answer, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the broker has <paramref name="exchange"/>, checked when a call is accepted so that a reply target that
    /// does not exist is a 400 rather than an answer lost later; null when the broker cannot tell now (unreachable).
    /// </summary>
    Task<bool?> ExchangeExistsAsync(string exchange, CancellationToken cancellationToken);
}
