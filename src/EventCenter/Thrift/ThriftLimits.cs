namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>
/// Bounds applied while decoding, so garbage input fails with a <see cref="ThriftProtocolException"/> instead of
/// a huge allocation or a deep recursion.
/// </summary>
/// <param name="MaxStringLength">Largest string/binary accepted, in bytes. Default: 64 MiB.</param>
/// <param name="MaxContainerSize">Most elements accepted in one list, set or map. Default: 10,000,000.</param>
/// <param name="MaxDepth">Deepest nesting of structs and containers. Default: 64.</param>
/// <param name="MaxMessageSize">Largest whole message (and frame) accepted, in bytes. Default: 256 MiB.</param>
public sealed record ThriftLimits(
    int MaxStringLength = 64 * 1024 * 1024,
    int MaxContainerSize = 10_000_000,
    int MaxDepth = 64,
    int MaxMessageSize = 256 * 1024 * 1024)
{
    /// <summary>The defaults.</summary>
    public static ThriftLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a limit is not positive.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStringLength, 1, nameof(MaxStringLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContainerSize, 1, nameof(MaxContainerSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, 1, nameof(MaxDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 16, nameof(MaxMessageSize));
    }
}
