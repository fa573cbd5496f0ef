namespace FeaturePlatform.EventCenter.SourceDb;

/// <summary>
/// A column of a mirrored table as <c>information_schema.columns</c> describes it: what the CDC image conversion
/// needs to write a value the way the source's connector would (a DATETIME(3) differs from a DATETIME(6) in
/// Debezium's encoding; a <c>tinyint(1)</c> read as a boolean by the driver is a number in every CDC format).
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="DataType">Lower-case <c>data_type</c>: <c>datetime</c>, <c>timestamp with time zone</c>, <c>numeric</c>, …</param>
/// <param name="ColumnType">MySQL's full <c>column_type</c> (<c>tinyint(1)</c>, <c>bit(1)</c>); null for PostgreSQL.</param>
/// <param name="DatetimePrecision">Fractional-second digits of a temporal column, when declared or known.</param>
/// <param name="NumericScale">Declared scale of a decimal column; null for PostgreSQL's unconstrained <c>numeric</c>.</param>
/// <param name="Length">Declared length (bits of a <c>bit(n)</c> column), when known.</param>
public sealed record SourceColumnType(string Name, string DataType, string? ColumnType, int? DatetimePrecision, int? NumericScale, long? Length);

/// <summary>A column's value as the database driver returned it, with the column's type.</summary>
/// <param name="Type">The column.</param>
/// <param name="Value">The driver's value; null for SQL NULL.</param>
public readonly record struct SourceValue(SourceColumnType Type, object? Value);
