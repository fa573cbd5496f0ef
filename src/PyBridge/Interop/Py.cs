using System.Text;

namespace FeaturePlatform.PyBridge.Interop;

/// <summary>Small helpers over <see cref="CPython"/>. All of them must be called with the GIL held.</summary>
internal static unsafe class Py
{
    /// <summary>A new reference to a str holding <paramref name="utf8"/>.</summary>
    public static IntPtr NewString(ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
        {
            var result = CPython.UnicodeFromStringAndSize(p, utf8.Length);
            return result != IntPtr.Zero ? result : throw TakeError("creating a str");
        }
    }

    /// <summary>A new reference to a str holding <paramref name="text"/>.</summary>
    public static IntPtr NewString(string text) => NewString(Encoding.UTF8.GetBytes(text));

    /// <summary>The UTF-8 bytes of a str; valid while the str is alive.</summary>
    public static ReadOnlySpan<byte> Utf8(IntPtr str)
    {
        nint size;
        var p = CPython.UnicodeAsUtf8AndSize(str, &size);
        return p != null ? new ReadOnlySpan<byte>(p, checked((int)size)) : throw TakeError("reading a str");
    }

    /// <summary>A str's value as a .NET string.</summary>
    public static string ToManaged(IntPtr str) => Encoding.UTF8.GetString(Utf8(str));

    /// <summary>A new reference to <c>import name</c>.</summary>
    public static IntPtr Import(string name)
    {
        fixed (byte* p = NullTerminated(name))
        {
            var module = CPython.ImportModule(p);
            return module != IntPtr.Zero ? module : throw TakeError($"importing {name}");
        }
    }

    /// <summary>A new reference to <c>obj.name</c>.</summary>
    public static IntPtr GetAttr(IntPtr obj, string name)
    {
        fixed (byte* p = NullTerminated(name))
        {
            var value = CPython.GetAttrString(obj, p);
            return value != IntPtr.Zero ? value : throw TakeError($"reading attribute {name}");
        }
    }

    /// <summary>Calls <paramref name="callable"/> with one str argument and returns the str it returns (new reference).</summary>
    public static IntPtr CallWithString(IntPtr callable, ReadOnlySpan<byte> utf8Argument)
    {
        var arg = NewString(utf8Argument);
        var result = CPython.CallOneArg(callable, arg);
        CPython.DecRef(arg);
        return result;
    }

    /// <summary>Calls <paramref name="callable"/> with the given new references as positional arguments (stolen).</summary>
    public static IntPtr Call(IntPtr callable, params IntPtr[] stolenArguments)
    {
        var tuple = CPython.TupleNew(stolenArguments.Length);
        for (var i = 0; i < stolenArguments.Length; i++)
        {
            CPython.TupleSetItem(tuple, i, stolenArguments[i]);
        }
        var result = CPython.CallObject(callable, tuple);
        CPython.DecRef(tuple);
        return result != IntPtr.Zero ? result : throw TakeError("calling into Python");
    }

    /// <summary>Runs Python statements in <c>__main__</c>.</summary>
    public static void Run(string code)
    {
        fixed (byte* p = NullTerminated(code))
        {
            if (CPython.RunSimpleString(p) != 0)
            {
                throw new PythonHostException($"Python start-up code failed (see stderr): {code}");
            }
        }
    }

    /// <summary>Sets a Python exception of type <paramref name="type"/> with a message.</summary>
    public static void SetError(IntPtr type, string message)
    {
        fixed (byte* p = NullTerminated(message))
        {
            CPython.ErrSetString(type, p);
        }
    }

    /// <summary>Takes the pending Python error (clearing it) as a <see cref="PythonHostException"/>.</summary>
    public static PythonHostException TakeError(string during)
    {
        IntPtr type, value, traceback;
        CPython.ErrFetch(&type, &value, &traceback);
        var text = "no Python error set";
        var target = value != IntPtr.Zero ? value : type;
        if (target != IntPtr.Zero)
        {
            var str = CPython.ObjectStr(target);
            text = str != IntPtr.Zero ? ToManaged(str) : "<unprintable>";
            if (str != IntPtr.Zero)
            {
                CPython.DecRef(str);
            }
            else
            {
                CPython.ErrFetch(&type, &value, &traceback);
            }
        }
        var typeName = type != IntPtr.Zero ? TypeName(type) : "Error";
        Release(type);
        Release(value);
        Release(traceback);
        return new PythonHostException($"Python error while {during}: {typeName}: {text}") { PythonType = typeName };
    }

    private static string TypeName(IntPtr type)
    {
        fixed (byte* p = "__name__\0"u8)
        {
            var name = CPython.GetAttrString(type, p);
            if (name == IntPtr.Zero)
            {
                IntPtr t, v, tb;
                CPython.ErrFetch(&t, &v, &tb);
                Release(t);
                Release(v);
                Release(tb);
                return "Error";
            }
            var result = ToManaged(name);
            CPython.DecRef(name);
            return result;
        }
    }

    private static void Release(IntPtr obj)
    {
        if (obj != IntPtr.Zero)
        {
            CPython.DecRef(obj);
        }
    }

    private static byte[] NullTerminated(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
