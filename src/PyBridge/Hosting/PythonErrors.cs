using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>Turns pythonnet's <see cref="PythonException"/> into the host's own exception. GIL held.</summary>
internal static class PythonErrors
{
    /// <summary>
    /// The error as a <see cref="PythonHostException"/> naming the Python type (its <c>__name__</c>), <c>str()</c> of the
    /// exception and the traceback (<see cref="PythonException.Format"/>).
    /// </summary>
    public static PythonHostException ToHostException(PythonException error, string during)
    {
        var name = error.Type.Name;
        var typeName = name[(name.LastIndexOf('.') + 1)..]; // tp_name of a C type is "module.Name"
        string text;
        string traceback;
        try
        {
            text = error.Value?.ToString() ?? "";
            traceback = error.Format();
        }
        catch (PythonException)
        {
            text = "<unprintable>";
            traceback = "";
        }
        return new PythonHostException($"Python error while {during}: {typeName}: {text}", error)
        {
            PythonType = typeName,
            PythonTraceback = traceback,
        };
    }
}
