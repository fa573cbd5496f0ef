using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>A message as received from a transport, before parsing.</summary>
/// <param name="Position">Where it was read from.</param>
/// <param name="Key">Transport key, if any.</param>
/// <param name="Value">Payload bytes (may be empty: e.g. Kafka tombstones).</param>
/// <param name="TimestampMs">Transport timestamp, ms since the Unix epoch (0 or negative when the transport has none).</param>
/// <param name="Headers">Transport headers.</param>
public sealed record RawMessage(
    SourcePosition Position,
    byte[]? Key,
    byte[] Value,
    long TimestampMs,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers);
