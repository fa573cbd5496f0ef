namespace FeaturePlatform.Runtime.Calls;

/// <summary>Where a request–message call's answer is published: a RabbitMQ exchange and routing key.</summary>
/// <param name="Exchange">The exchange ("" is the default exchange, which routes by queue name). It must exist.</param>
/// <param name="RoutingKey">The routing key (1–255 bytes).</param>
public sealed record CallReplyTarget(string Exchange, string RoutingKey)
{
    /// <summary>Throws <see cref="ArgumentException"/> when the target is malformed.</summary>
    public void Validate()
    {
        if (Exchange is null || Exchange.Length > 255)
        {
            throw new ArgumentException("reply.exchange is required (\"\" for the default exchange, at most 255 characters).");
        }
        if (string.IsNullOrEmpty(RoutingKey) || System.Text.Encoding.UTF8.GetByteCount(RoutingKey) > 255)
        {
            throw new ArgumentException("reply.routingKey is required (1-255 bytes).");
        }
    }
}
