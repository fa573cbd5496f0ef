namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>How a Debezium connector writes DECIMAL/NUMERIC values (its <c>decimal.handling.mode</c>).</summary>
public enum DecimalHandling
{
    /// <summary>
    /// <c>precise</c> (Debezium's default): the unscaled value's big-endian two's-complement bytes, base64 in JSON
    /// (the scale is in the schema); PostgreSQL's unconstrained <c>numeric</c> as <c>{"scale":s,"value":"base64"}</c>.
    /// Ingestion stores both as the exact decimal text, as <see cref="String"/> (the former only when the message carries
    /// its schema), so database images carry that text too.
    /// </summary>
    Precise,

    /// <summary><c>string</c>: the exact decimal text, e.g. <c>"73.50"</c>.</summary>
    String,

    /// <summary><c>double</c>: a JSON number (may lose digits beyond a double's precision).</summary>
    Double,
}
