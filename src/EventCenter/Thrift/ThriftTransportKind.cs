namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>How Thrift messages are delimited on the TCP stream.</summary>
public enum ThriftTransportKind
{
    /// <summary>Messages follow each other on the plain stream (HBase's default).</summary>
    Buffered,

    /// <summary>Each message is preceded by its 4-byte big-endian length (required by HBase's nonblocking/hsha servers).</summary>
    Framed,
}
