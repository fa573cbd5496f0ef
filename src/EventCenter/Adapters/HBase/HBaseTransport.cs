
namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>How Thrift messages are delimited on the TCP stream to the Thrift2 server.</summary>
public enum HBaseTransport
{
    /// <summary>Messages follow each other on the plain stream (HBase's default).</summary>
    Buffered,

    /// <summary>Each message is preceded by its 4-byte length (required by HBase's nonblocking/hsha/threadedselector servers).</summary>
    Framed,
}
