namespace FeaturePlatform.PyBridge.Interop;

/// <summary>
/// The part of the CPython C API PyBridge uses, bound at run time from whichever libpython was located
/// (function pointers from dlsym). Every pointer is a borrowed or new reference exactly as the C API
/// documents; callers pair each new reference with <see cref="DecRef"/>.
/// </summary>
internal static unsafe class CPython
{
    /// <summary>METH_FASTCALL: <c>PyObject *f(PyObject *self, PyObject *const *args, Py_ssize_t nargs)</c>.</summary>
    public const int MethFastCall = 0x0080;

    private static delegate* unmanaged<byte*, nint*, IntPtr> s_DecodeLocale;
    private static delegate* unmanaged<IntPtr, void> s_SetProgramName;
    private static delegate* unmanaged<int, void> s_InitializeEx;
    private static delegate* unmanaged<int> s_IsInitialized;
    private static delegate* unmanaged<int> s_GilStateEnsure;
    private static delegate* unmanaged<int, void> s_GilStateRelease;
    private static delegate* unmanaged<IntPtr> s_SaveThread;
    private static delegate* unmanaged<IntPtr, void> s_RestoreThread;
    private static delegate* unmanaged<nuint> s_ThreadGetIdent;
    private static delegate* unmanaged<nuint, IntPtr, int> s_ThreadStateSetAsyncExc;
    private static delegate* unmanaged<byte*, IntPtr> s_ImportModule;
    private static delegate* unmanaged<IntPtr, byte*, IntPtr> s_GetAttrString;
    private static delegate* unmanaged<IntPtr, IntPtr, IntPtr> s_CallOneArg;
    private static delegate* unmanaged<IntPtr, IntPtr, IntPtr> s_CallObject;
    private static delegate* unmanaged<nint, IntPtr> s_TupleNew;
    private static delegate* unmanaged<IntPtr, nint, IntPtr, int> s_TupleSetItem;
    private static delegate* unmanaged<byte*, nint, IntPtr> s_UnicodeFromStringAndSize;
    private static delegate* unmanaged<IntPtr, nint*, byte*> s_UnicodeAsUtf8AndSize;
    private static delegate* unmanaged<IntPtr, long> s_LongAsLongLong;
    private static delegate* unmanaged<long, IntPtr> s_LongFromLongLong;
    private static delegate* unmanaged<IntPtr, void> s_IncRef;
    private static delegate* unmanaged<IntPtr, void> s_DecRef;
    private static delegate* unmanaged<IntPtr> s_ErrOccurred;
    private static delegate* unmanaged<IntPtr*, IntPtr*, IntPtr*, void> s_ErrFetch;
    private static delegate* unmanaged<IntPtr, byte*, void> s_ErrSetString;
    private static delegate* unmanaged<IntPtr, IntPtr> s_ObjectStr;
    private static delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr> s_CFunctionNewEx;
    private static delegate* unmanaged<byte*, int> s_RunSimpleString;

    public static IntPtr DecodeLocale(byte* a0, nint* a1) => s_DecodeLocale(a0, a1);
    public static void SetProgramName(IntPtr a0) => s_SetProgramName(a0);
    public static void InitializeEx(int a0) => s_InitializeEx(a0);
    public static int IsInitialized() => s_IsInitialized();
    public static int GilStateEnsure() => s_GilStateEnsure();
    public static void GilStateRelease(int a0) => s_GilStateRelease(a0);
    public static IntPtr SaveThread() => s_SaveThread();
    public static void RestoreThread(IntPtr a0) => s_RestoreThread(a0);
    public static nuint ThreadGetIdent() => s_ThreadGetIdent();
    public static int ThreadStateSetAsyncExc(nuint a0, IntPtr a1) => s_ThreadStateSetAsyncExc(a0, a1);
    public static IntPtr ImportModule(byte* a0) => s_ImportModule(a0);
    public static IntPtr GetAttrString(IntPtr a0, byte* a1) => s_GetAttrString(a0, a1);
    public static IntPtr CallOneArg(IntPtr a0, IntPtr a1) => s_CallOneArg(a0, a1);
    public static IntPtr CallObject(IntPtr a0, IntPtr a1) => s_CallObject(a0, a1);
    public static IntPtr TupleNew(nint a0) => s_TupleNew(a0);
    public static int TupleSetItem(IntPtr a0, nint a1, IntPtr a2) => s_TupleSetItem(a0, a1, a2);
    public static IntPtr UnicodeFromStringAndSize(byte* a0, nint a1) => s_UnicodeFromStringAndSize(a0, a1);
    public static byte* UnicodeAsUtf8AndSize(IntPtr a0, nint* a1) => s_UnicodeAsUtf8AndSize(a0, a1);
    public static long LongAsLongLong(IntPtr a0) => s_LongAsLongLong(a0);
    public static IntPtr LongFromLongLong(long a0) => s_LongFromLongLong(a0);
    public static void IncRef(IntPtr a0) => s_IncRef(a0);
    public static void DecRef(IntPtr a0) => s_DecRef(a0);
    public static IntPtr ErrOccurred() => s_ErrOccurred();
    public static void ErrFetch(IntPtr* a0, IntPtr* a1, IntPtr* a2) => s_ErrFetch(a0, a1, a2);
    public static void ErrSetString(IntPtr a0, byte* a1) => s_ErrSetString(a0, a1);
    public static IntPtr ObjectStr(IntPtr a0) => s_ObjectStr(a0);
    public static IntPtr CFunctionNewEx(IntPtr a0, IntPtr a1, IntPtr a2) => s_CFunctionNewEx(a0, a1, a2);
    public static int RunSimpleString(byte* a0) => s_RunSimpleString(a0);

    /// <summary>The <c>None</c> singleton (address of <c>_Py_NoneStruct</c>).</summary>
    public static IntPtr None;

    /// <summary>The <c>TimeoutError</c> type object.</summary>
    public static IntPtr ExcTimeoutError;

    /// <summary>The <c>TypeError</c> type object.</summary>
    public static IntPtr ExcTypeError;

    /// <summary>The <c>KeyboardInterrupt</c> type object (a BaseException: <c>except Exception</c> does not catch it).</summary>
    public static IntPtr ExcKeyboardInterrupt;

    public static void Bind(IntPtr lib)
    {
        IntPtr S(string name) => NativeLoader.Symbol(lib, name);
        s_DecodeLocale = (delegate* unmanaged<byte*, nint*, IntPtr>)S("Py_DecodeLocale");
        s_SetProgramName = (delegate* unmanaged<IntPtr, void>)S("Py_SetProgramName");
        s_InitializeEx = (delegate* unmanaged<int, void>)S("Py_InitializeEx");
        s_IsInitialized = (delegate* unmanaged<int>)S("Py_IsInitialized");
        s_GilStateEnsure = (delegate* unmanaged<int>)S("PyGILState_Ensure");
        s_GilStateRelease = (delegate* unmanaged<int, void>)S("PyGILState_Release");
        s_SaveThread = (delegate* unmanaged<IntPtr>)S("PyEval_SaveThread");
        s_RestoreThread = (delegate* unmanaged<IntPtr, void>)S("PyEval_RestoreThread");
        s_ThreadGetIdent = (delegate* unmanaged<nuint>)S("PyThread_get_thread_ident");
        s_ThreadStateSetAsyncExc = (delegate* unmanaged<nuint, IntPtr, int>)S("PyThreadState_SetAsyncExc");
        s_ImportModule = (delegate* unmanaged<byte*, IntPtr>)S("PyImport_ImportModule");
        s_GetAttrString = (delegate* unmanaged<IntPtr, byte*, IntPtr>)S("PyObject_GetAttrString");
        s_CallOneArg = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)S("PyObject_CallOneArg");
        s_CallObject = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)S("PyObject_CallObject");
        s_TupleNew = (delegate* unmanaged<nint, IntPtr>)S("PyTuple_New");
        s_TupleSetItem = (delegate* unmanaged<IntPtr, nint, IntPtr, int>)S("PyTuple_SetItem");
        s_UnicodeFromStringAndSize = (delegate* unmanaged<byte*, nint, IntPtr>)S("PyUnicode_FromStringAndSize");
        s_UnicodeAsUtf8AndSize = (delegate* unmanaged<IntPtr, nint*, byte*>)S("PyUnicode_AsUTF8AndSize");
        s_LongAsLongLong = (delegate* unmanaged<IntPtr, long>)S("PyLong_AsLongLong");
        s_LongFromLongLong = (delegate* unmanaged<long, IntPtr>)S("PyLong_FromLongLong");
        s_IncRef = (delegate* unmanaged<IntPtr, void>)S("Py_IncRef");
        s_DecRef = (delegate* unmanaged<IntPtr, void>)S("Py_DecRef");
        s_ErrOccurred = (delegate* unmanaged<IntPtr>)S("PyErr_Occurred");
        s_ErrFetch = (delegate* unmanaged<IntPtr*, IntPtr*, IntPtr*, void>)S("PyErr_Fetch");
        s_ErrSetString = (delegate* unmanaged<IntPtr, byte*, void>)S("PyErr_SetString");
        s_ObjectStr = (delegate* unmanaged<IntPtr, IntPtr>)S("PyObject_Str");
        s_CFunctionNewEx = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr>)S("PyCFunction_NewEx");
        s_RunSimpleString = (delegate* unmanaged<byte*, int>)S("PyRun_SimpleString");
        None = S("_Py_NoneStruct");
        ExcTimeoutError = *(IntPtr*)S("PyExc_TimeoutError");
        ExcTypeError = *(IntPtr*)S("PyExc_TypeError");
        ExcKeyboardInterrupt = *(IntPtr*)S("PyExc_KeyboardInterrupt");
    }
}
