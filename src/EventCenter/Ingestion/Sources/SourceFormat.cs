namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>How a source's messages are encoded.</summary>
public enum SourceFormat
{
    /// <summary>Debezium JSON change envelopes (op c/u/d/r, before/after, source.ts_ms), with or without schema.</summary>
    Debezium,

    /// <summary>Canal JSON (type INSERT/UPDATE/DELETE, data/old arrays, es/ts).</summary>
    Canal,

    /// <summary>Maxwell JSON (type insert/update/delete, data/old, ts in seconds).</summary>
    Maxwell,

    /// <summary>Plain JSON messages; key, time and id found by configured paths.</summary>
    Json,
}
