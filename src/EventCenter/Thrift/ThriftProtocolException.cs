namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>What was wrong with bytes that did not decode as a Thrift message.</summary>
public enum ThriftProtocolError
{
    /// <summary>The message ended before a value was complete.</summary>
    Truncated,

    /// <summary>A length or size was negative.</summary>
    NegativeSize,

    /// <summary>A string/binary was longer than the configured maximum.</summary>
    StringTooLong,

    /// <summary>A list/set/map had more elements than the configured maximum.</summary>
    ContainerTooLarge,

    /// <summary>Structs/containers were nested deeper than the configured maximum.</summary>
    DepthExceeded,

    /// <summary>A type code that does not exist, or a field whose type does not match what is expected.</summary>
    InvalidType,

    /// <summary>The message envelope lacked the strict version word or had an unknown message type.</summary>
    BadVersion,

    /// <summary>A frame length was negative or above the configured maximum.</summary>
    FrameTooLarge,

    /// <summary>The reply's sequence id or method name did not match the call.</summary>
    SequenceMismatch,

    /// <summary>A required field was absent, or the data was otherwise inconsistent.</summary>
    InvalidData,
}

/// <summary>Bytes received from a Thrift peer could not be decoded. The connection they came from is unusable.</summary>
public sealed class ThriftProtocolException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ThriftProtocolException(ThriftProtocolError error, string message)
        : base($"Thrift protocol error ({error}): {message}")
    {
        Error = error;
    }

    /// <summary>What was wrong.</summary>
    public ThriftProtocolError Error { get; }
}
