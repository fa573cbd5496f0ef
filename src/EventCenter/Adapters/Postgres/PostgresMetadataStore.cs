using FeaturePlatform.EventCenter.MetadataStore;
using Npgsql;

namespace FeaturePlatform.EventCenter.Adapters.Postgres;

/// <summary>
/// The metadata store on PostgreSQL (the production metadata store): table <c>fp_metadata</c> (one row per kind and
/// name) and <c>fp_metadata_revisions</c> (one counter per kind). A write takes the kind's counter row lock, checks the
/// expectation against the record read under <c>FOR UPDATE</c> and writes in one transaction, so revisions become
/// visible in order and concurrent writers never lose an update silently.
/// </summary>
public sealed class PostgresMetadataStore : IMetadataStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider clock;

    /// <summary>Connects with <paramref name="connectionString"/> (pooled).</summary>
    public PostgresMetadataStore(string connectionString, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        dataSource = NpgsqlDataSource.Create(connectionString);
        this.clock = clock ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async ValueTask EnsureAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS fp_metadata (
                kind text NOT NULL, name text NOT NULL, json text NULL, revision bigint NOT NULL,
                changed_by text NOT NULL, changed_at bigint NOT NULL, PRIMARY KEY (kind, name));
            CREATE TABLE IF NOT EXISTS fp_metadata_revisions (kind text PRIMARY KEY, revision bigint NOT NULL);
            """);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation)
        {
            // Two processes creating the tables at once: the other one won, the tables exist.
        }
    }

    /// <inheritdoc />
    public async ValueTask<MetadataRecord?> GetAsync(string kind, string name, CancellationToken cancellationToken = default)
    {
        WideTableMetadataStore.Check(kind, name);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, kind, name, forUpdate: false, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MetadataRecord>> ListAsync(string kind, CancellationToken cancellationToken = default)
    {
        WideTableMetadataStore.Check(kind, "x");
        await using var command = dataSource.CreateCommand(
            "SELECT name, json, revision, changed_by, changed_at FROM fp_metadata WHERE kind = $1 ORDER BY name COLLATE \"C\"");
        command.Parameters.AddWithValue(kind);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<MetadataRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Record(kind, reader));
        }
        return records;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetRevisionAsync(string kind, CancellationToken cancellationToken = default)
    {
        WideTableMetadataStore.Check(kind, "x");
        await using var command = dataSource.CreateCommand("SELECT revision FROM fp_metadata_revisions WHERE kind = $1");
        command.Parameters.AddWithValue(kind);
        return await command.ExecuteScalarAsync(cancellationToken) is long revision ? revision : 0;
    }

    /// <inheritdoc />
    public async ValueTask<MetadataRecord> WriteAsync(string kind, string name, string? json, MetadataExpectation expected, string changedBy,
        CancellationToken cancellationToken = default)
    {
        WideTableMetadataStore.Check(kind, name);
        ArgumentException.ThrowIfNullOrWhiteSpace(changedBy);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long revision;
        await using (var next = new NpgsqlCommand("""
            INSERT INTO fp_metadata_revisions (kind, revision) VALUES ($1, 1)
            ON CONFLICT (kind) DO UPDATE SET revision = fp_metadata_revisions.revision + 1 RETURNING revision
            """, connection, transaction))
        {
            next.Parameters.AddWithValue(kind);
            revision = (long)(await next.ExecuteScalarAsync(cancellationToken))!;
        }
        var stored = await ReadAsync(connection, transaction, kind, name, forUpdate: true, cancellationToken);
        if (!expected.Matches(stored))
        {
            await transaction.RollbackAsync(cancellationToken);
            throw new MetadataConflictException(kind, name, expected, stored);
        }
        var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var write = new NpgsqlCommand("""
            INSERT INTO fp_metadata (kind, name, json, revision, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (kind, name) DO UPDATE SET json = EXCLUDED.json, revision = EXCLUDED.revision,
                changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
            """, connection, transaction))
        {
            write.Parameters.AddWithValue(kind);
            write.Parameters.AddWithValue(name);
            write.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)json ?? DBNull.Value);
            write.Parameters.AddWithValue(revision);
            write.Parameters.AddWithValue(changedBy);
            write.Parameters.AddWithValue(at);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new MetadataRecord(kind, name, json, revision, changedBy, at);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private static async Task<MetadataRecord?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string kind, string name, bool forUpdate,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT name, json, revision, changed_by, changed_at FROM fp_metadata WHERE kind = $1 AND name = $2" + (forUpdate ? " FOR UPDATE" : ""),
            connection, transaction);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Record(kind, reader) : null;
    }

    private static MetadataRecord Record(string kind, NpgsqlDataReader reader) => new(
        kind, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4));
}
