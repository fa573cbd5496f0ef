namespace FeaturePlatform.PyBridge;

/// <summary>The embedded interpreter could not be located, loaded or driven (not an error of a job's logic).</summary>
public class PythonHostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PythonHostException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public PythonHostException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The Python exception type's name when the failure came from Python, else null.</summary>
    public string? PythonType { get; init; }

    /// <summary>The Python traceback when the failure came from Python, else null.</summary>
    public string? PythonTraceback { get; init; }
}
