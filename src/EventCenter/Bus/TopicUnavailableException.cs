namespace FeaturePlatform.EventCenter.Bus;

/// <summary>A topic the platform needs neither exists nor could be created; the message names the topic and the cause.</summary>
public sealed class TopicUnavailableException : InvalidOperationException
{
    /// <summary>Creates the error for <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="reason">Why it is unavailable.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public TopicUnavailableException(string topic, string reason, Exception? inner = null)
        : base($"Topic '{topic}' is not available: {reason}.", inner)
    {
        Topic = topic;
        Reason = reason;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>Why it is unavailable.</summary>
    public string Reason { get; }
}
