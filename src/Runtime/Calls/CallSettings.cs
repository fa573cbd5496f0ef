namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Calls (request–poll and request–message, section <c>Runtime:Calls</c>): the API stores the request's event, produces
/// the call to <see cref="Topic"/> and waits; the call workers of all runtime processes share the topic in one consumer
/// group, run the job and store the answer.
/// </summary>
public sealed record CallSettings
{
    /// <summary>Topic of calls. Default: featureplatform-calls.</summary>
    public string Topic { get; init; } = "featureplatform-calls";

    /// <summary>Partitions of <see cref="Topic"/> when the platform creates it. Default: 8.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>Consumer group of the call workers of all processes. Default: featureplatform-calls.</summary>
    public string GroupId { get; init; } = "featureplatform-calls";

    /// <summary>
    /// Whether this process runs a call worker. Default: true. A process without one still accepts calls (its requests
    /// are computed by the workers of other processes and answered by polling).
    /// </summary>
    public bool RunWorker { get; init; } = true;

    /// <summary>
    /// Whether a request–poll call accepted by a process that runs call workers (<see cref="RunWorker"/>) runs in that
    /// process at once (<see cref="LocalCalls"/>: no round trip through the calls topic; still claimed once, answer still
    /// stored for polls anywhere; put on the topic before a 202 when not answered within its wait). False: every call goes
    /// through the calls topic and any process's worker may take it. Default: true.
    /// </summary>
    public bool RunLocally { get; init; } = true;

    /// <summary>Group members (consumers) per process; each takes a share of the partitions. Default: 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Calls a worker takes per consume and runs concurrently; it commits once all are answered. Default: 64.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>
    /// Kafka only: fetch.wait.max.ms of the call workers. A real broker answers a waiting fetch as soon as a call
    /// arrives, so this only bounds idle fetch traffic; librdkafka's mock cluster holds empty fetches for the full
    /// wait, adding up to this much to every call. Default: 5 ms.
    /// </summary>
    public TimeSpan MaxFetchWait { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest pause between polls of the answer store while a POST waits for a call computed elsewhere. Default: 50 ms.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a worker's claim on a call holds without an answer before another worker may take the call over (the
    /// claimant died). Longer than any call can take: the logic's timeout plus its longest fetch wait. Default: 5 minutes.
    /// </summary>
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// RabbitMQ broker answers of request–message calls are published to (amqp:// URI). Default: null, which means
    /// EventCenter:RabbitMqUri; with neither, request–message calls are refused.
    /// </summary>
    public Uri? ReplyRabbitMqUri { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Topic) || string.IsNullOrWhiteSpace(GroupId))
        {
            throw new ArgumentException("Runtime:Calls: Topic and GroupId are required.");
        }
        if (Partitions < 1 || Workers < 1 || MaxBatch < 1)
        {
            throw new ArgumentException("Runtime:Calls: Partitions, Workers and MaxBatch must be at least 1.");
        }
        if (MaxFetchWait < TimeSpan.FromMilliseconds(1) || MaxPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Calls: MaxFetchWait must be at least 1 ms, MaxPollInterval positive.");
        }
        if (ClaimLease < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("Runtime:Calls: ClaimLease must be at least 1 s (longer than any call takes).");
        }
    }
}
