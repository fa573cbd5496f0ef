namespace FeaturePlatform.Runtime.Calls;

/// <summary>The bus did not take a call (calls topic missing, bus unreachable): the request event is stored, nothing runs.</summary>
public sealed class CallsUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CallsUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CallsUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CallsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
