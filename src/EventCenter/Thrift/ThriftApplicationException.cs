namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>Kinds of Thrift's TApplicationException (what the server's Thrift layer reports).</summary>
public enum ThriftApplicationError
{
    /// <summary>Unknown error.</summary>
    Unknown = 0,

    /// <summary>The server does not know the method.</summary>
    UnknownMethod = 1,

    /// <summary>Invalid message type.</summary>
    InvalidMessageType = 2,

    /// <summary>Wrong method name in the reply.</summary>
    WrongMethodName = 3,

    /// <summary>Bad sequence id in the reply.</summary>
    BadSequenceId = 4,

    /// <summary>The reply had neither a result nor a declared exception.</summary>
    MissingResult = 5,

    /// <summary>The handler failed with an undeclared exception.</summary>
    InternalError = 6,

    /// <summary>The server could not decode the request.</summary>
    ProtocolError = 7,

    /// <summary>Invalid transform.</summary>
    InvalidTransform = 8,

    /// <summary>Invalid protocol.</summary>
    InvalidProtocol = 9,

    /// <summary>Unsupported client type.</summary>
    UnsupportedClientType = 10,
}

/// <summary>The server answered with a Thrift exception message (TApplicationException) instead of a result.</summary>
public sealed class ThriftApplicationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ThriftApplicationException(ThriftApplicationError error, string message)
        : base($"Thrift application error ({error}): {message}")
    {
        Error = error;
    }

    /// <summary>The kind reported by the server.</summary>
    public ThriftApplicationError Error { get; }

    internal static ThriftApplicationException Read(ref ThriftBinaryReader reader)
    {
        var message = string.Empty;
        var type = 0;
        reader.ReadStructBegin();
        while (true)
        {
            var (fieldType, id) = reader.ReadFieldBegin();
            if (fieldType == ThriftType.Stop)
            {
                break;
            }
            if (id == 1 && fieldType == ThriftType.String)
            {
                message = reader.ReadString();
            }
            else if (id == 2 && fieldType == ThriftType.I32)
            {
                type = reader.ReadI32();
            }
            else
            {
                reader.Skip(fieldType);
            }
        }
        reader.ReadStructEnd();
        return new ThriftApplicationException((ThriftApplicationError)type, message);
    }
}
