namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>Settings of one Thrift TCP connection.</summary>
/// <param name="Transport">Buffered or framed.</param>
/// <param name="ConnectTimeout">Limit for establishing the TCP connection.</param>
/// <param name="ReadTimeout">Limit for receiving a whole reply after the request was sent.</param>
/// <param name="WriteTimeout">Limit for sending a whole request.</param>
/// <param name="MaxFrameSize">Largest frame accepted or sent with the framed transport.</param>
/// <param name="Limits">Decoding limits.</param>
internal sealed record ThriftConnectionOptions(
    ThriftTransportKind Transport,
    TimeSpan ConnectTimeout,
    TimeSpan ReadTimeout,
    TimeSpan WriteTimeout,
    int MaxFrameSize,
    ThriftLimits Limits);
