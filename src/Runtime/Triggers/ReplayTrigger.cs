using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// Replays a source's stored events with event time in [from, to), in time order within each time chunk. Chunks are
/// read in parallel (each a streamed event-center scan) and handed to the run loop as they fill, so reading overlaps
/// computing; nothing loads the whole range.
/// </summary>
public sealed class ReplayTrigger(IEventReader events, string source, long from, long to, ReplayOptions? options = null) : ITrigger
{
    private readonly ReplayOptions options = options ?? new ReplayOptions();

    /// <inheritdoc />
    public string Description => $"replay {source} [{from}, {to})";

    /// <inheritdoc />
    public long? EstimatedTotal { get; init; }

    /// <summary>The time chunks the range is split into, in order.</summary>
    public IReadOnlyList<(long From, long To)> Chunks
    {
        get
        {
            var count = Math.Max(1, options.Parallelism);
            var span = (to - from) / count;
            if (span <= 0 || count == 1)
            {
                return [(from, to)];
            }
            return Enumerable.Range(0, count).Select(i => (from + i * span, i == count - 1 ? to : from + (i + 1) * span)).ToList();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<TriggerBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batches = Channel.CreateBounded<TriggerBatch>(new BoundedChannelOptions(options.BufferedBatches) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = Chunks.Select(chunk => ReadChunkAsync(chunk.From, chunk.To, batches.Writer, stop.Token)).ToList();
        var all = Task.WhenAll(readers).ContinueWith(t => batches.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
            {
                yield return batch;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await all;
        }
        await Task.WhenAll(readers);
    }

    private async Task ReadChunkAsync(long chunkFrom, long chunkTo, ChannelWriter<TriggerBatch> writer, CancellationToken cancellationToken)
    {
        var batch = new List<ChangeEvent>(options.BatchSize);
        await foreach (var e in events.ReplayAsync(source, chunkFrom, chunkTo, cancellationToken))
        {
            batch.Add(e);
            if (batch.Count == options.BatchSize)
            {
                await writer.WriteAsync(new TriggerBatch(batch), cancellationToken);
                batch = new List<ChangeEvent>(options.BatchSize);
            }
        }
        if (batch.Count > 0)
        {
            await writer.WriteAsync(new TriggerBatch(batch), cancellationToken);
        }
    }
}

/// <summary>Settings of replays.</summary>
public sealed record ReplayOptions
{
    /// <summary>Events per batch handed to the logic. Default: 1000.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>
    /// Time chunks read in parallel. Default: half the processor count, 1 to 4 — the logic needs a core of its own
    /// (measured on 2 cores: 4 chunks replay 10% slower than 1, the scans competing with the Python thread).
    /// </summary>
    public int Parallelism { get; init; } = Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    /// <summary>Batches read ahead of the logic. Default: 8.</summary>
    public int BufferedBatches { get; init; } = 8;
}
