using FeaturePlatform.Runtime.Adapters.RabbitMq;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>The process's publisher of request–message answers, when a RabbitMQ broker is configured for them.</summary>
/// <param name="uri">The broker (Runtime:Calls:ReplyRabbitMqUri, else EventCenter:RabbitMqUri), or null.</param>
/// <param name="logger">Logger of the publisher.</param>
public sealed class CallReplies(Uri? uri, Microsoft.Extensions.Logging.ILogger? logger = null) : IAsyncDisposable
{
    /// <summary>The publisher, or null when no broker is configured.</summary>
    public CallReplyPublisher? Publisher { get; } = uri is null ? null : new CallReplyPublisher(uri, logger);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Publisher is not null)
        {
            await Publisher.DisposeAsync();
        }
    }
}
