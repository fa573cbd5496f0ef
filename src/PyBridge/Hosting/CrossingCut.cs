using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// Single calls sharing one crossing over a data source that may wait: when a read of one of them is about to wait, the
/// calls before it are answered, the crossing stops after it and the calls after it go back to the lane, so no call waits
/// behind another call's read. Python's <c>call_batch</c> keeps the running event's index (item 0) and the outcomes so far
/// (item 2) in the cut list, and stops once item 1 is set.
/// </summary>
/// <remarks>One per crossing, used by the thread running it only (<see cref="Request"/> with the GIL held, then
/// <see cref="HandBack"/> with it released).</remarks>
/// <param name="calls">The crossing's calls.</param>
/// <param name="control">The worker's cut list.</param>
/// <param name="answerBefore">Answers calls [from, to) from the outcomes so far (GIL held; must not throw).</param>
internal sealed class CrossingCut(IReadOnlyList<PyWork> calls, PyObject control, Action<int, int> answerBefore)
{
    private bool handedBack;

    /// <summary>Index in the calls of the crossing's first event (a crossing resubmitted after a timeout starts later).</summary>
    public int Offset { get; set; }

    /// <summary>The last call this crossing runs once cut; -1 while not cut.</summary>
    public int At { get; private set; } = -1;

    /// <summary>Whether a read waited and the calls after <see cref="At"/> went back to the lane.</summary>
    public bool IsCut => At >= 0;

    /// <summary>
    /// A read of the running call is about to wait (GIL held): the calls before it are answered now and the crossing stops
    /// after it. The calls after it are handed back by <see cref="HandBack"/>, once the GIL is released.
    /// </summary>
    public void Request()
    {
        if (At >= 0)
        {
            return;
        }
        using (var running = control.GetItem(0))
        {
            At = Offset + running.As<int>();
        }
        using (var stop = new PyInt(1))
        {
            control.SetItem(1, stop);
        }
        if (At > Offset)
        {
            answerBefore(Offset, At);
        }
    }

    /// <summary>The outcomes of the events before the running one, marshalled by <paramref name="doneSoFar"/> (GIL held).</summary>
    public PyObject DoneSoFar(PyObject doneSoFar) => doneSoFar.Invoke(control);

    /// <summary>The calls after the cut, once: <paramref name="requeue"/> puts each back on the lane (its gate count unchanged).</summary>
    public void HandBack(Action<PyWork> requeue)
    {
        if (At < 0 || handedBack)
        {
            return;
        }
        handedBack = true;
        for (var i = At + 1; i < calls.Count; i++)
        {
            requeue(calls[i]);
        }
    }

    /// <summary>A fresh cut list for a worker thread (GIL held): <c>[index of the running event, stop, outcomes so far]</c>.</summary>
    public static PyObject NewControl()
    {
        using var zero = new PyInt(0);
        return new PyList([zero, zero, PyObject.None]);
    }

    /// <summary>Clears the stop flag of a worker's reused cut list before a crossing (GIL held).</summary>
    public static void Reset(PyObject control)
    {
        using var zero = new PyInt(0);
        control.SetItem(1, zero);
    }
}
