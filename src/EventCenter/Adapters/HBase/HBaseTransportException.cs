
namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>What went wrong with a connection to the Thrift2 server.</summary>
public enum HBaseTransportError
{
    /// <summary>The TCP connection could not be established (nothing was sent).</summary>
    ConnectFailed,

    /// <summary>A call did not finish within its timeout.</summary>
    Timeout,

    /// <summary>The server closed the connection (possibly in the middle of a reply).</summary>
    Closed,

    /// <summary>A socket error while sending or receiving.</summary>
    SocketError,

    /// <summary>The reply could not be decoded, or did not answer the call (the stream is out of step).</summary>
    Protocol,
}

/// <summary>
/// A connection to the HBase Thrift2 server failed; it is closed and never reused. Whether the call was applied
/// is unknown unless <see cref="BeforeSend"/>.
/// </summary>
public sealed class HBaseTransportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HBaseTransportException(HBaseTransportError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public HBaseTransportError Error { get; }

    /// <summary>True when the failure happened before any byte of the request was sent.</summary>
    public bool BeforeSend => Error == HBaseTransportError.ConnectFailed;
}
