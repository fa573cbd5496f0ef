namespace FeaturePlatform.Runtime.Calls;

/// <summary>Publishes call answers to the reply target a request named (request–message calls); the RabbitMQ adapter implements it.</summary>
public interface ICallReplyPublisher : IAsyncDisposable
{
    /// <summary>Answers published so far.</summary>
    long Published { get; }

    /// <summary>Publishes <paramref name="answer"/> to <paramref name="target"/>; completes once the broker confirmed it.</summary>
    Task PublishAsync(CallReplyTarget target, CallAnswer answer, CancellationToken cancellationToken);
}
