using System.Globalization;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// The .NET object behind <c>featureplatform._host.NativeDataSource</c>: Python sets <see cref="Fetch"/> or
/// <see cref="History"/> to a packed request, which runs the read on the <see cref="IFeatureDataSource"/> of the call
/// running on this thread, then reads <see cref="Answer"/>.
/// </summary>
/// <remarks>
/// Properties rather than methods because pythonnet calls methods through its overload binder, which costs ~1.7 µs
/// and releases and retakes the GIL on every call; a property access is a few hundred nanoseconds with the GIL kept,
/// so an in-memory source (<see cref="IFeatureDataSource.MayBlock"/> false) is read without a GIL hand-off, and a
/// source that may wait releases the GIL here, around the wait only. Requests are
/// <c>as_of␟consistency␟source␟key</c> and <c>since␟until␟limit␟consistency␟source␟key</c> (␟ = U+001F; the key is
/// last, so it may hold any character). A source that is an <see cref="IReadObserver"/> is told each read's event:
/// when <see cref="Tracked"/>, a chunk sends <see cref="FetchFor"/>/<see cref="HistoryFor"/>, the same requests led by
/// the index of the event being run in the chunk.
/// </remarks>
internal sealed class DataBridge
{
    private const char Separator = '\u001f';

    [ThreadStatic]
    private static CallScope? t_scope;

    private readonly PyType _errorType;

    internal DataBridge(PyType errorType) => _errorType = errorType;

    /// <summary>The scope of the calls made on the current worker thread.</summary>
    internal static CallScope? Current
    {
        get => t_scope;
        set => t_scope = value;
    }

    private delegate string? Read(CallScope scope, IFeatureDataSource source, ReadOnlySpan<char> fields);

    /// <summary>
    /// Whether the call on this thread tracks its reads (its source is an <see cref="IReadObserver"/>): read once per
    /// chunk by <c>call_batch</c>, which then sends <see cref="FetchFor"/>/<see cref="HistoryFor"/> with each read's event.
    /// </summary>
    public bool Tracked => t_scope?.Source is IReadObserver;

    /// <summary>Runs <c>ctx.fetch</c> (called by Python, GIL held). A failing source raises <c>DataSourceError</c>.</summary>
    public string Fetch
    {
        get => throw new NotSupportedException("Fetch takes a request; read Answer");
        set => Serve("fetch", value, static (scope, source, fields) => RunFetch(scope, source, 0, fields));
    }

    /// <summary><see cref="Fetch"/> whose request starts with the index of the event being run in its chunk.</summary>
    public string FetchFor
    {
        get => throw new NotSupportedException("FetchFor takes a request; read Answer");
        set => Serve("fetch", value, static (scope, source, fields) =>
            RunFetch(scope, source, int.Parse(Next(ref fields), CultureInfo.InvariantCulture), fields));
    }

    /// <summary>Runs <c>ctx.history</c> (called by Python, GIL held). A failing source raises <c>DataSourceError</c>.</summary>
    public string History
    {
        get => throw new NotSupportedException("History takes a request; read Answer");
        set => Serve("history", value, static (scope, source, fields) => RunHistory(scope, source, 0, fields));
    }

    /// <summary><see cref="History"/> whose request starts with the index of the event being run in its chunk.</summary>
    public string HistoryFor
    {
        get => throw new NotSupportedException("HistoryFor takes a request; read Answer");
        set => Serve("history", value, static (scope, source, fields) =>
            RunHistory(scope, source, int.Parse(Next(ref fields), CultureInfo.InvariantCulture), fields));
    }

    private static string? RunFetch(CallScope scope, IFeatureDataSource source, int index, ReadOnlySpan<char> fields)
    {
        var asOf = long.Parse(Next(ref fields), CultureInfo.InvariantCulture);
        var level = ConsistencyNames.Parse(Next(ref fields));
        var name = scope.Intern(Next(ref fields));
        var key = fields.ToString();
        (source as IReadObserver)?.Observed(scope.EventIndexBase + index, ReadKind.Fetch, name, key, asOf, asOf);
        if (!source.MayBlock)
        {
            return source.Fetch(name, key, asOf, level);
        }
        if (source.TryFetchWithoutWaiting(name, key, asOf, level, out var json))
        {
            return json;
        }
        scope.Cut?.Request();
        return scope.WithoutGil((source, name, key, asOf, level), static r => r.source.Fetch(r.name, r.key, r.asOf, r.level));
    }

    private static string? RunHistory(CallScope scope, IFeatureDataSource source, int index, ReadOnlySpan<char> fields)
    {
        var since = long.Parse(Next(ref fields), CultureInfo.InvariantCulture);
        var until = long.Parse(Next(ref fields), CultureInfo.InvariantCulture);
        var limit = (int)Math.Clamp(long.Parse(Next(ref fields), CultureInfo.InvariantCulture), 0, int.MaxValue);
        var level = ConsistencyNames.Parse(Next(ref fields));
        var name = scope.Intern(Next(ref fields));
        var key = fields.ToString();
        (source as IReadObserver)?.Observed(scope.EventIndexBase + index, ReadKind.History, name, key, since, until);
        if (!source.MayBlock)
        {
            return source.History(name, key, since, until, limit, level);
        }
        if (source.TryHistoryWithoutWaiting(name, key, since, until, limit, level, out var json))
        {
            return json;
        }
        scope.Cut?.Request();
        return scope.WithoutGil((source, name, key, since, until, limit, level),
            static r => r.source.History(r.name, r.key, r.since, r.until, r.limit, r.level));
    }

    /// <summary>The JSON text the last <see cref="Fetch"/>/<see cref="History"/> on this thread answered (null: no entity).</summary>
    public string? Answer
    {
        get
        {
            var scope = t_scope;
            if (scope is null)
            {
                return null;
            }
            var answer = scope.Answer;
            scope.Answer = null;
            return answer;
        }
    }

    /// <summary>Runs one read for the call on this thread and keeps its answer for <see cref="Answer"/>.</summary>
    private void Serve(string what, string request, Read read)
    {
        var scope = t_scope;
        scope?.Answer = null;
        var source = scope?.Source ?? throw Fail(scope, new InvalidOperationException($"ctx.{what} called outside a host call"));
        try
        {
            scope.Answer = read(scope, source, request);
        }
        catch (Exception ex) when (ex is not PythonException)
        {
            throw Fail(scope, ex);
        }
    }

    private static ReadOnlySpan<char> Next(ref ReadOnlySpan<char> fields)
    {
        var end = fields.IndexOf(Separator);
        if (end < 0)
        {
            throw new FormatException("malformed read request from the Python side");
        }
        var field = fields[..end];
        fields = fields[(end + 1)..];
        return field;
    }

    /// <summary>
    /// Records the failure for the call's <see cref="Exception.InnerException"/> and raises
    /// <c>DataSourceError</c> in Python (pythonnet restores a thrown <see cref="PythonException"/> as is).
    /// </summary>
    private PythonException Fail(CallScope? scope, Exception ex)
    {
        scope?.LastError = ex;
        using var message = new PyString($"{ex.GetType().Name}: {ex.Message}");
        var value = _errorType.Invoke(message);
        return new PythonException(_errorType, value, null);
    }

    /// <summary>Per-worker state the bridge reads: the data source of the current call, its last failure and answer.</summary>
    internal sealed class CallScope
    {
        private readonly List<string> _names = [];

        public IFeatureDataSource? Source { get; set; }

        public Exception? LastError { get; set; }

        public string? Answer { get; set; }

        /// <summary>Index, in the invocation's events, of the first event of the chunk being run (0 for single calls).</summary>
        public int EventIndexBase { get; set; }

        /// <summary>The cut of the single calls sharing the running crossing; null for a batch or a call alone.</summary>
        public CrossingCut? Cut { get; set; }

        /// <summary>Whether a read of the running call released the GIL to wait (reset by the call).</summary>
        public bool Waited { get; set; }

        /// <summary>The worker whose CPU clock a waiting read stops; null outside a worker.</summary>
        public Worker? Owner { get; init; }

        /// <summary>
        /// Runs a read that may wait with the GIL released, so other Python work proceeds meanwhile, and with the
        /// call's CPU clock stopped: waiting for data is not the logic's time. The worker's lane is told, so it keeps
        /// enough threads free for the work queued behind this call and hands back the work it took but has not started (<see cref="Lane.ReadWaitStarted"/>). Called with
        /// the GIL held.
        /// </summary>
        public T WithoutGil<TArgs, T>(TArgs args, Func<TArgs, T> read)
        {
            var remaining = Owner?.PauseDeadline() ?? 0;
            Waited = true;
            var state = PythonEngine.BeginAllowThreads();
            Owner?.Lane.ReadWaitStarted(Owner);
            try
            {
                return read(args);
            }
            finally
            {
                Owner?.Lane.ReadWaitEnded();
                PythonEngine.EndAllowThreads(state);
                Owner?.ResumeDeadline(remaining);
            }
        }

        /// <summary>Source names repeat: reuse their strings instead of allocating one per read.</summary>
        public string Intern(ReadOnlySpan<char> name)
        {
            foreach (var known in _names)
            {
                if (name.SequenceEqual(known))
                {
                    return known;
                }
            }
            var value = name.ToString();
            if (_names.Count < 32)
            {
                _names.Add(value);
            }
            return value;
        }
    }
}
