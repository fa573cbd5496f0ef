namespace FeaturePlatform.Runtime.Calls;

/// <summary>The process's publisher of call answers, when a broker is configured (one for the dispatcher and the workers).</summary>
/// <param name="publisher">The publisher, or null when no broker is configured.</param>
public sealed class CallReplies(ICallReplyPublisher? publisher) : IAsyncDisposable
{
    /// <summary>The publisher, or null when no broker is configured.</summary>
    public ICallReplyPublisher? Publisher { get; } = publisher;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Publisher is not null)
        {
            await Publisher.DisposeAsync();
        }
    }
}
