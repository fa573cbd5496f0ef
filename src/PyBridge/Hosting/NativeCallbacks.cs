using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FeaturePlatform.PyBridge.Interop;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// The C functions Python calls for <c>ctx.fetch</c>/<c>ctx.history</c> (METH_FASTCALL builtins created with
/// PyCFunction_NewEx). They route to the <see cref="IFeatureDataSource"/> of the call running on this thread.
/// </summary>
internal static unsafe class NativeCallbacks
{
    [ThreadStatic]
    private static CallScope? t_scope;

    /// <summary><c>featureplatform.DataSourceError</c>, raised in Python when the data source throws.</summary>
    public static IntPtr DataSourceErrorType;

    /// <summary>The scope of the calls made on the current worker thread.</summary>
    public static CallScope? Current
    {
        get => t_scope;
        set => t_scope = value;
    }

    /// <summary>Creates the <c>fetch</c> and <c>history</c> builtins (new references). GIL held.</summary>
    public static (IntPtr Fetch, IntPtr History) Create()
    {
        return (Make("fetch", &Fetch), Make("history", &History));
    }

    private static IntPtr Make(string name, delegate* unmanaged<IntPtr, IntPtr*, nint, IntPtr> function)
    {
        // PyMethodDef { const char *ml_name; PyCFunction ml_meth; int ml_flags; const char *ml_doc; }, kept for the process's life.
        var def = (IntPtr*)NativeMemory.AllocZeroed(4, (nuint)sizeof(IntPtr));
        def[0] = (IntPtr)Utf8Z(name);
        def[1] = (IntPtr)function;
        *(int*)&def[2] = CPython.MethFastCall;
        def[3] = IntPtr.Zero;
        var fn = CPython.CFunctionNewEx((IntPtr)def, IntPtr.Zero, IntPtr.Zero);
        return fn != IntPtr.Zero ? fn : throw Py.TakeError($"creating builtin {name}");
    }

    private static byte* Utf8Z(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    [UnmanagedCallersOnly]
    private static IntPtr Fetch(IntPtr self, IntPtr* args, nint nargs)
    {
        try
        {
            if (nargs != 4)
            {
                Py.SetError(CPython.ExcTypeError, "fetch(source, key, as_of_ms, consistency) takes 4 arguments");
                return IntPtr.Zero;
            }
            var scope = t_scope;
            var source = scope?.Source;
            if (source is null)
            {
                return Fail(scope, new InvalidOperationException("ctx.fetch called outside a host call"));
            }
            var name = Intern(args[0]);
            var key = Py.ToManaged(args[1]);
            var asOf = CPython.LongAsLongLong(args[2]);
            var level = ConsistencyNames.Parse(Encoding.UTF8.GetString(Py.Utf8(args[3])));
            string? json;
            if (!source.MayBlock)
            {
                json = source.Fetch(name, key, asOf, level);
            }
            else if (!source.TryFetchWithoutWaiting(name, key, asOf, level, out json))
            {
                // A read that may wait releases the GIL, so other Python work proceeds meanwhile, and stops the
                // call's CPU clock: waiting for data is not the logic's time.
                var paused = scope!.PauseClock();
                var state = CPython.SaveThread();
                try
                {
                    json = source.Fetch(name, key, asOf, level);
                }
                catch (Exception ex)
                {
                    CPython.RestoreThread(state);
                    scope.ResumeClock(paused);
                    return Fail(scope, ex);
                }
                CPython.RestoreThread(state);
                scope.ResumeClock(paused);
            }
            if (json is null)
            {
                CPython.IncRef(CPython.None);
                return CPython.None;
            }
            return NewString(json);
        }
        catch (Exception ex)
        {
            return Fail(t_scope, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static IntPtr History(IntPtr self, IntPtr* args, nint nargs)
    {
        try
        {
            if (nargs != 6)
            {
                Py.SetError(CPython.ExcTypeError, "history(source, key, since_ms, until_ms, limit, consistency) takes 6 arguments");
                return IntPtr.Zero;
            }
            var scope = t_scope;
            var source = scope?.Source;
            if (source is null)
            {
                return Fail(scope, new InvalidOperationException("ctx.history called outside a host call"));
            }
            var name = Intern(args[0]);
            var key = Py.ToManaged(args[1]);
            var since = CPython.LongAsLongLong(args[2]);
            var until = CPython.LongAsLongLong(args[3]);
            var limit = (int)Math.Clamp(CPython.LongAsLongLong(args[4]), 0, int.MaxValue);
            var level = ConsistencyNames.Parse(Encoding.UTF8.GetString(Py.Utf8(args[5])));
            string json;
            if (source.MayBlock)
            {
                var paused = scope!.PauseClock();
                var state = CPython.SaveThread();
                try
                {
                    json = source.History(name, key, since, until, limit, level);
                }
                catch (Exception ex)
                {
                    CPython.RestoreThread(state);
                    scope.ResumeClock(paused);
                    return Fail(scope, ex);
                }
                CPython.RestoreThread(state);
                scope.ResumeClock(paused);
            }
            else
            {
                json = source.History(name, key, since, until, limit, level);
            }
            return NewString(json);
        }
        catch (Exception ex)
        {
            return Fail(t_scope, ex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static IntPtr NewString(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 1024)
        {
            Span<byte> buffer = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(text, buffer);
            return Py.NewString(buffer[..n]);
        }
        return Py.NewString(Encoding.UTF8.GetBytes(text));
    }

    private static string Intern(IntPtr str)
    {
        var bytes = Py.Utf8(str);
        var cache = t_scope?.Names;
        if (cache is null)
        {
            return Encoding.UTF8.GetString(bytes);
        }
        foreach (var (utf8, name) in cache)
        {
            if (bytes.SequenceEqual(utf8))
            {
                return name;
            }
        }
        var value = Encoding.UTF8.GetString(bytes);
        if (cache.Count < 32)
        {
            cache.Add((bytes.ToArray(), value));
        }
        return value;
    }

    private static IntPtr Fail(CallScope? scope, Exception ex)
    {
        if (scope is not null)
        {
            scope.LastError = ex;
        }
        Py.SetError(DataSourceErrorType, $"{ex.GetType().Name}: {ex.Message}");
        return IntPtr.Zero;
    }

    /// <summary>Per-worker state the callbacks read: the data source of the current call and the last failure.</summary>
    internal sealed class CallScope
    {
        public IFeatureDataSource? Source { get; set; }

        public Exception? LastError { get; set; }

        public List<(byte[] Utf8, string Name)> Names { get; } = [];

        /// <summary>The worker whose CPU clock a waiting read stops; null outside a worker.</summary>
        public Worker? Owner { get; init; }

        /// <summary>Stops the call's CPU clock (GIL held); returns what <see cref="ResumeClock"/> needs.</summary>
        public long PauseClock() => Owner?.PauseDeadline() ?? 0;

        /// <summary>Restarts the call's CPU clock with the time it had left (GIL held).</summary>
        public void ResumeClock(long remaining) => Owner?.ResumeDeadline(remaining);
    }
}
