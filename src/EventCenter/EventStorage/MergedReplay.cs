using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>Replays over several sources.</summary>
public static class MergedReplay
{
    /// <summary>
    /// All events of <paramref name="sources"/> with event time in [from, to), merged in <see cref="EventOrder"/>:
    /// one streamed replay per source, k-way merged. The same stored events always give the same sequence.
    /// </summary>
    public static async IAsyncEnumerable<ChangeEvent> ReplayAsync(this IEventReader reader, IReadOnlyList<string> sources, long from, long to,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sources);
        var distinct = sources.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 1)
        {
            await foreach (var e in reader.ReplayAsync(distinct[0], from, to, cancellationToken))
            {
                yield return e;
            }
            yield break;
        }
        var streams = new List<IAsyncEnumerator<ChangeEvent>>(distinct.Count);
        var queue = new PriorityQueue<IAsyncEnumerator<ChangeEvent>, ChangeEvent>(EventOrder.Instance);
        try
        {
            foreach (var source in distinct)
            {
                var stream = reader.ReplayAsync(source, from, to, cancellationToken).GetAsyncEnumerator(cancellationToken);
                streams.Add(stream);
                if (await stream.MoveNextAsync())
                {
                    queue.Enqueue(stream, stream.Current);
                }
            }
            while (queue.TryDequeue(out var next, out var e))
            {
                yield return e;
                if (await next.MoveNextAsync())
                {
                    queue.Enqueue(next, next.Current);
                }
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }
}
