namespace FeaturePlatform.FeatureApi.Catalog;

/// <summary>A source in the catalog: its declaration, where it comes from, and what ingestion observed.</summary>
public sealed record CatalogSourceJson(string Name, string Format, IReadOnlyList<string> Topics, IReadOnlyList<string> KeyFields, string? TimeField, string? IdField,
    string? RabbitQueue, IReadOnlyDictionary<string, string> DeclaredFields, long MaxOutOfOrdernessMs, long MaxDelayMs, string Origin, long? Revision,
    string? ChangedBy, long? ChangedAt, ObservedSchemaJson? Observed, IReadOnlyList<string> TriggeredJobs, IReadOnlyList<string> ReadByJobs);

/// <summary>The observed schema of a source.</summary>
/// <param name="Events">Events stored since observation began.</param>
/// <param name="Inspected">Row images inspected (a sample per flush interval).</param>
/// <param name="LastEventTime">Newest event time seen (Unix ms).</param>
/// <param name="UpdatedAt">When last merged (Unix ms).</param>
/// <param name="Fields">The fields by path.</param>
public sealed record ObservedSchemaJson(long Events, long Inspected, long LastEventTime, long UpdatedAt, IReadOnlyList<ObservedFieldJson> Fields);

/// <summary>One observed field.</summary>
/// <param name="Path">Dot path.</param>
/// <param name="Type">Most frequent non-null JSON type (<c>string</c>, <c>int</c>, <c>float</c>, <c>bool</c>, <c>object</c>, <c>array</c>), null when only nulls.</param>
/// <param name="Types">Counts by type.</param>
/// <param name="NullRate">Share of inspected events where the field was null or missing.</param>
/// <param name="Examples">Example values (JSON text).</param>
public sealed record ObservedFieldJson(string Path, string? Type, IReadOnlyDictionary<string, long> Types, double NullRate, IReadOnlyList<string> Examples);

/// <summary>A job in the catalog.</summary>
public sealed record CatalogJobJson(string Name, string Description, string Version, bool Enabled, string Consistency, IReadOnlyList<string> Triggers,
    IReadOnlyList<string> Reads, string RequestSource, IReadOnlyList<string> Features, IReadOnlyList<CatalogOutputJson> Outputs, IReadOnlyList<CatalogVersionJson> Versions,
    IReadOnlyList<string> Models);

/// <summary>A version of a job seen by any process.</summary>
public sealed record CatalogVersionJson(string Version, long FirstSeen, long LastSeen, bool Current);

/// <summary>A feature: one output column of a job.</summary>
/// <param name="Name"><c>job.column</c>.</param>
/// <param name="Job">Producing job.</param>
/// <param name="Column">Column.</param>
/// <param name="Type">Value type.</param>
/// <param name="Description">For consumers.</param>
/// <param name="Nullable">May be null.</param>
/// <param name="Version">The job version producing it now.</param>
/// <param name="Freshness">How current it is (this process's live runners).</param>
public sealed record CatalogFeatureJson(string Name, string Job, string Column, string Type, string Description, bool Nullable, string Version, FreshnessJson Freshness);

/// <summary>Freshness of a job's features: the newest event time its live runners completed and their lag behind the trigger watermarks.</summary>
public sealed record FreshnessJson(long? LastEventTimeMs, long? LagMs);

/// <summary>A configured output (sink) of a job.</summary>
/// <param name="Id">Node id in the lineage.</param>
/// <param name="Job">The job.</param>
/// <param name="Kind"><c>FeatureStore</c>, <c>Kafka</c>, <c>RabbitMq</c> or <c>EventCenter</c>.</param>
/// <param name="Target">Topic, exchange (and routing key), or the store.</param>
public sealed record CatalogOutputJson(string Id, string Job, string Kind, string Target);

/// <summary>The lineage graph.</summary>
public sealed record LineageJson(IReadOnlyList<LineageNodeJson> Nodes, IReadOnlyList<LineageEdgeJson> Edges);

/// <summary>A lineage node: id <c>kind:name</c>.</summary>
public sealed record LineageNodeJson(string Id, string Kind, string Name);

/// <summary>A lineage edge; <paramref name="Kind"/>: <c>trigger</c>, <c>read</c> (source → job), <c>produces</c> (job → feature), <c>writes</c> (job → output), <c>uses</c> (model → job).</summary>
public sealed record LineageEdgeJson(string From, string To, string Kind);

/// <summary>A search hit.</summary>
public sealed record SearchHitJson(string Kind, string Name, string Description, string Id);
