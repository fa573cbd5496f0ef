using FeaturePlatform.Runtime.Outputs;


namespace FeaturePlatform.Runtime.Adapters.RabbitMq;

/// <summary>Settings of a <see cref="RabbitMqOutput"/>.</summary>
public sealed record RabbitMqOutputOptions
{
    /// <summary>The broker, e.g. <c>amqp://user:pass@rabbit:5672/vhost</c> (amqp or amqps). Required.</summary>
    public required Uri Uri { get; init; }

    /// <summary>
    /// The exchange results are published to; it must exist (exchanges are provisioned by administrators; the output
    /// checks it passively on connect and fails at once when it is missing). "" is the default exchange. Required.
    /// </summary>
    public required string Exchange { get; init; }

    /// <summary>
    /// Routing key template. Placeholders: <c>{job}</c>, <c>{key}</c> (entity key), <c>{source}</c> (trigger source),
    /// <c>{version}</c> (job version); <c>{{</c> and <c>}}</c> are literal braces. Keys longer than AMQP's 255 bytes
    /// are cut at a character boundary. Default: <c>{job}.{key}</c> — with a topic exchange, consumers bind
    /// <c>myjob.#</c> for one job's results or <c>#</c> for all.
    /// </summary>
    public string RoutingKey { get; init; } = "{job}.{key}";

    /// <summary>
    /// Publish as mandatory: a result no queue receives fails the write instead of being dropped by the broker.
    /// Default: false.
    /// </summary>
    public bool Mandatory { get; init; }

    /// <summary>
    /// How long one write keeps retrying (reconnecting and publishing the whole batch again) after connection
    /// failures, broker restarts, nacks or confirm timeouts before it fails. Default: 2 min.
    /// </summary>
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>First delay between retries; doubled per attempt up to <see cref="RetryMaxDelay"/>. Default: 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between retries. Default: 2 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a batch may wait for its publisher confirms before the connection is dropped and the batch retried. Default: 30 s.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP connect and AMQP handshake timeout. Default: 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connection name shown in the management UI. Default: "featureplatform-results".</summary>
    public string ClientName { get; init; } = "featureplatform-results";

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is missing or out of range.</summary>
    public void Validate()
    {
        if (Uri is null || !Uri.IsAbsoluteUri || (Uri.Scheme != "amqp" && Uri.Scheme != "amqps"))
        {
            throw new ArgumentException("RabbitMqOutputOptions.Uri must be an absolute amqp:// or amqps:// URI.");
        }
        if (Exchange is null || System.Text.Encoding.UTF8.GetByteCount(Exchange) > 255)
        {
            throw new ArgumentException("RabbitMqOutputOptions.Exchange is required (\"\" for the default exchange) and at most 255 bytes.");
        }
        if (string.IsNullOrEmpty(RoutingKey))
        {
            throw new ArgumentException("RabbitMqOutputOptions.RoutingKey must not be empty.");
        }
        _ = RoutingKeyTemplate.Parse(RoutingKey); // throws on unknown placeholders or unbalanced braces
        if (RetryTimeout < TimeSpan.Zero || RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay
            || ConfirmTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RabbitMqOutputOptions: RetryTimeout ≥ 0, RetryBaseDelay > 0, RetryMaxDelay ≥ RetryBaseDelay, ConfirmTimeout > 0, ConnectTimeout > 0.");
        }
        if (string.IsNullOrWhiteSpace(ClientName))
        {
            throw new ArgumentException("RabbitMqOutputOptions.ClientName must not be empty.");
        }
    }
}
