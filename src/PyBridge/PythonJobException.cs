namespace FeaturePlatform.PyBridge;

/// <summary>
/// A job's Python logic raised an exception. Carries the job, the file and line in the author's code where it
/// was raised (the innermost frame in the job's module), and the full Python traceback.
/// </summary>
public class PythonJobException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PythonJobException(string job, string pythonType, string pythonMessage, string file, int line, string traceback,
        Exception? inner = null)
        : base($"job '{job}' failed at {file}:{line}: {pythonType}: {pythonMessage}{Environment.NewLine}{traceback}", inner)
    {
        Job = job;
        PythonType = pythonType;
        PythonMessage = pythonMessage;
        FileName = file;
        LineNumber = line;
        PythonTraceback = traceback;
    }

    /// <summary>The job's declared name.</summary>
    public string Job { get; }

    /// <summary>The Python exception's type name, e.g. <c>KeyError</c>.</summary>
    public string PythonType { get; }

    /// <summary><c>str()</c> of the Python exception.</summary>
    public string PythonMessage { get; }

    /// <summary>The source file of the frame that raised (the job's module when it is on the stack).</summary>
    public string FileName { get; }

    /// <summary>The line in <see cref="FileName"/>.</summary>
    public int LineNumber { get; }

    /// <summary>The full Python traceback text.</summary>
    public string PythonTraceback { get; }
}

/// <summary>The job's logic ran longer than its per-call timeout and was interrupted.</summary>
public sealed class JobTimeoutException : PythonJobException
{
    /// <summary>Creates the exception.</summary>
    public JobTimeoutException(string job, TimeSpan timeout, string file, int line, string traceback)
        : base(job, "TimeoutError", $"exceeded the per-call timeout of {timeout.TotalMilliseconds:0} ms", file, line, traceback)
    {
        Timeout = timeout;
    }

    /// <summary>The timeout that was exceeded.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>The job's logic returned something that does not match its declared outputs.</summary>
public sealed class JobResultShapeException : PythonJobException
{
    /// <summary>Creates the exception.</summary>
    public JobResultShapeException(string job, string message, string file, int line, string traceback)
        : base(job, "ResultShapeError", message, file, line, traceback)
    {
    }
}

/// <summary>A job module failed to compile, import or validate. Names the file and line of the problem.</summary>
public sealed class JobValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JobValidationException(string file, int line, string reason, string detail)
        : base($"{file}:{line}: {reason}")
    {
        FileName = file;
        LineNumber = line;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The job module's path (or the file where the problem is).</summary>
    public string FileName { get; }

    /// <summary>The line of the problem (0 when unknown, 1 for whole-module problems).</summary>
    public int LineNumber { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    /// <summary>Python's full description (with traceback where there is one).</summary>
    public string Detail { get; }
}
