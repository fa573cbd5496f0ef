namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>What went wrong with a Thrift connection.</summary>
public enum ThriftTransportError
{
    /// <summary>The TCP connection could not be established (nothing was sent).</summary>
    ConnectFailed,

    /// <summary>A connect, read or write did not finish within its timeout.</summary>
    Timeout,

    /// <summary>The peer closed the connection (possibly in the middle of a message).</summary>
    Closed,

    /// <summary>A socket error while sending or receiving.</summary>
    SocketError,
}

/// <summary>A Thrift connection failed; the connection is closed and never reused.</summary>
public sealed class ThriftTransportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ThriftTransportException(ThriftTransportError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public ThriftTransportError Error { get; }

    /// <summary>True when the failure happened before any byte of the request was sent.</summary>
    public bool BeforeSend => Error == ThriftTransportError.ConnectFailed;
}
