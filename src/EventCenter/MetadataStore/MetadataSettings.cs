namespace FeaturePlatform.EventCenter.MetadataStore;

/// <summary>Where the metadata store lives (section <c>EventCenter:Metadata</c>).</summary>
public sealed record MetadataSettings
{
    /// <summary>Backend. Default: <see cref="MetadataStoreKind.Embedded"/> (a table of the hot store).</summary>
    public MetadataStoreKind Kind { get; init; } = MetadataStoreKind.Embedded;

    /// <summary>PostgreSQL connection string (required when <see cref="Kind"/> is Postgres). Default: none.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// How often every process reads the stored sources (and other shared metadata) to pick up changes made by other
    /// processes; a change made in this process applies at once. Default: 1 s.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the observed schemas of sources (fields, types, null rates, examples seen at ingestion) are merged into
    /// the store. Default: 2 s.
    /// </summary>
    public TimeSpan SchemaFlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when unusable.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException("EventCenter:Metadata:Kind must be Embedded or Postgres.");
        }
        if (Kind == MetadataStoreKind.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("EventCenter:Metadata:ConnectionString is required when EventCenter:Metadata:Kind is Postgres.");
        }
        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(5) || SchemaFlushInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("EventCenter:Metadata: PollInterval must be positive and at most 5 minutes (default 00:00:01), SchemaFlushInterval positive (default 00:00:02).");
        }
    }
}

/// <summary>Backends of the metadata store.</summary>
public enum MetadataStoreKind
{
    /// <summary>A table (<c>metadata</c>) of the event center's hot store.</summary>
    Embedded,

    /// <summary>A PostgreSQL database (table <c>fp_metadata</c>).</summary>
    Postgres,
}
