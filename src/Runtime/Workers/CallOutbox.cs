using System.Collections.Concurrent;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// The worker's outgoing call outcomes: each is sent as soon as its call is done; outcomes finishing while another thread
/// sends go with it in one message, and calls that finish in one interpreter crossing are queued together. Nothing waits to be
/// grouped: the first outcome is sent at once by the thread that finished it.
/// </summary>
internal sealed class CallOutbox(WorkerChannel channel)
{
    private readonly ConcurrentQueue<(long RunId, int Index, EventOutcome Outcome)> queue = new();
    private int sending;

    /// <summary>Queues the outcomes of calls of run <paramref name="runId"/> that finished together and sends what is queued.</summary>
    /// <exception cref="IOException">The host is gone.</exception>
    public void Add(long runId, IReadOnlyList<CallResult> results)
    {
        foreach (var r in results)
        {
            queue.Enqueue((runId, r.Index, r.Outcome!));
        }
        while (!queue.IsEmpty && Interlocked.CompareExchange(ref sending, 1, 0) == 0)
        {
            try
            {
                var batch = new List<(long, int, EventOutcome)>();
                while (batch.Count < 1024 && queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
                if (batch.Count > 0)
                {
                    channel.Send(FrameType.CallOutcomes, w => WorkerMessages.WriteCallOutcomes(w, batch));
                }
            }
            finally
            {
                Volatile.Write(ref sending, 0);
            }
        }
    }
}
