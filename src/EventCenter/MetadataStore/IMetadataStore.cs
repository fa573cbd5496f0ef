namespace FeaturePlatform.EventCenter.MetadataStore;

/// <summary>
/// The platform's metadata store: small JSON documents (source definitions, observed schemas, …) by kind and name,
/// shared by every process. PostgreSQL when configured (<see cref="MetadataSettings"/>), else a table of the event
/// center's hot store (embedded SQLite or HBase). One contract, checked by one test suite on both.
/// </summary>
/// <remarks>
/// Semantics every implementation keeps:
/// <list type="bullet">
/// <item>Each write of a (kind, name) gets a revision strictly greater than every earlier revision of that kind, so
/// <see cref="GetRevisionAsync"/> tells a poller whether anything of the kind changed.</item>
/// <item>A write states what it expects (<see cref="MetadataExpectation"/>): absent, a revision, or anything. When the
/// stored record does not match, nothing is written and <see cref="MetadataConflictException"/> names both.</item>
/// <item>A delete leaves a tombstone (<see cref="MetadataRecord.Deleted"/>), so every process sees the deletion and a
/// configuration seed of the same name stays deleted; a later create replaces the tombstone.</item>
/// </list>
/// </remarks>
public interface IMetadataStore
{
    /// <summary>Creates (or verifies) the store's table.</summary>
    ValueTask EnsureAsync(CancellationToken cancellationToken = default);

    /// <summary>The record of <paramref name="kind"/>/<paramref name="name"/> (tombstones included), or null.</summary>
    ValueTask<MetadataRecord?> GetAsync(string kind, string name, CancellationToken cancellationToken = default);

    /// <summary>Every record of <paramref name="kind"/> (tombstones included), ordered by name.</summary>
    ValueTask<IReadOnlyList<MetadataRecord>> ListAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>The highest revision written of <paramref name="kind"/> (0 when none): a cheap change check.</summary>
    ValueTask<long> GetRevisionAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="json"/> (or, with <paramref name="json"/> null, a tombstone) when the stored record matches
    /// <paramref name="expected"/>; returns the record written.
    /// </summary>
    /// <exception cref="MetadataConflictException">The stored record does not match <paramref name="expected"/>.</exception>
    ValueTask<MetadataRecord> WriteAsync(string kind, string name, string? json, MetadataExpectation expected, string changedBy,
        CancellationToken cancellationToken = default);
}

/// <summary>A stored document.</summary>
/// <param name="Kind">Its kind, e.g. <c>source</c>.</param>
/// <param name="Name">Its name, unique within the kind.</param>
/// <param name="Json">The document; null for a tombstone.</param>
/// <param name="Revision">Its revision (strictly increasing per kind).</param>
/// <param name="ChangedBy">Who wrote it.</param>
/// <param name="ChangedAt">When (Unix ms).</param>
public sealed record MetadataRecord(string Kind, string Name, string? Json, long Revision, string ChangedBy, long ChangedAt)
{
    /// <summary>True for a tombstone (deleted).</summary>
    public bool Deleted => Json is null;
}

/// <summary>What a write expects to find.</summary>
/// <param name="Revision">The revision the stored record must have; null with <paramref name="Absent"/> false: anything.</param>
/// <param name="Absent">True: no record or a tombstone.</param>
public readonly record struct MetadataExpectation(long? Revision, bool Absent)
{
    /// <summary>No live record (none, or a tombstone).</summary>
    public static MetadataExpectation None => new(null, true);

    /// <summary>Whatever is stored.</summary>
    public static MetadataExpectation Any => new(null, false);

    /// <summary>Exactly revision <paramref name="revision"/>.</summary>
    public static MetadataExpectation At(long revision) => new(revision, false);

    /// <summary>True when <paramref name="stored"/> satisfies this expectation.</summary>
    public bool Matches(MetadataRecord? stored) =>
        Absent ? stored is null || stored.Deleted : Revision is not { } r || stored?.Revision == r;
}

/// <summary>A write whose expectation did not match the stored record.</summary>
public sealed class MetadataConflictException(string kind, string name, MetadataExpectation expected, MetadataRecord? stored)
    : Exception(Describe(kind, name, expected, stored))
{
    /// <summary>The record stored when the write was refused (null: none).</summary>
    public MetadataRecord? Stored { get; } = stored;

    private static string Describe(string kind, string name, MetadataExpectation expected, MetadataRecord? stored)
    {
        var found = stored is null ? "none" : stored.Deleted ? $"a deletion at revision {stored.Revision}" : $"revision {stored.Revision}";
        var wanted = expected.Absent ? "none" : $"revision {expected.Revision}";
        return $"{kind} '{name}': expected {wanted}, found {found}";
    }
}
