using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>
/// The versions of each job seen by any runtime process (loaded, or running events), with first and last seen times,
/// in a wide table of the event center's storage so a restart keeps the list. Sightings collect in memory and are
/// written by <see cref="FlushAsync"/> (periodically by the runtime, and at stop): an idle process writes nothing.
/// </summary>
/// <remarks>
/// Table <c>job_versions</c>, row = job, family <c>v</c> (1 version): per version a cell <c>first:&lt;version&gt;</c>
/// stamped with <c>long.MaxValue − first seen</c> and <c>last:&lt;version&gt;</c> stamped with the last seen time, so
/// the newest cell of each is the earliest first sighting and the latest last sighting whichever process wrote last:
/// no read-modify-write, nothing lost between processes. <c>modules:&lt;version&gt;</c> holds the library modules the
/// version covers.
/// </remarks>
/// <param name="store">The storage (normally the event center's hot store).</param>
/// <param name="table">The table. Default: <c>job_versions</c>.</param>
public sealed class JobVersionLog(IWideTableStore store, TableName? table = null)
{
    private static readonly byte[] Family = "v"u8.ToArray();
    private readonly ConcurrentDictionary<(string Job, string Version), Sighting> pending = new();

    /// <summary>The table. Default: <c>job_versions</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "job_versions");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("v")]), cancellationToken);

    /// <summary>Records that <paramref name="job"/> ran (or loaded) <paramref name="version"/> at <paramref name="at"/> (ms); in memory until the next flush.</summary>
    public void Seen(string job, string version, long at, IReadOnlyList<string>? modules = null) =>
        pending.AddOrUpdate((job, version), _ => new Sighting(at, at, modules),
            (_, s) => new Sighting(Math.Min(s.First, at), Math.Max(s.Last, at), modules ?? s.Modules));

    /// <summary>Writes the sightings collected since the last flush; returns how many.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var taken = new List<((string Job, string Version) Key, Sighting Sighting)>();
        foreach (var key in pending.Keys)
        {
            if (pending.TryRemove(key, out var sighting))
            {
                taken.Add((key, sighting));
            }
        }
        if (taken.Count == 0)
        {
            return 0;
        }
        var puts = taken.GroupBy(t => t.Key.Job).Select(g => new Put(Encoding.UTF8.GetBytes(g.Key), g.SelectMany(t => Cells(t.Key.Version, t.Sighting)).ToList())).ToList();
        try
        {
            await store.PutAsync(Table, puts, cancellationToken);
        }
        catch
        {
            foreach (var (key, sighting) in taken)
            {
                pending.AddOrUpdate(key, sighting, (_, s) => new Sighting(Math.Min(s.First, sighting.First), Math.Max(s.Last, sighting.Last), s.Modules ?? sighting.Modules));
            }
            throw;
        }
        return taken.Count;
    }

    /// <summary>The versions of <paramref name="job"/> seen so far (stored and not yet flushed), newest last seen first.</summary>
    public async ValueTask<IReadOnlyList<JobVersionSeen>> ListAsync(string job, CancellationToken cancellationToken = default)
    {
        var seen = new Dictionary<string, Sighting>(StringComparer.Ordinal);
        var row = await store.GetAsync(Table, new Get(Encoding.UTF8.GetBytes(job)), cancellationToken);
        foreach (var cell in row?.Cells ?? [])
        {
            var qualifier = Encoding.UTF8.GetString(cell.Qualifier);
            var colon = qualifier.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var version = qualifier[(colon + 1)..];
            var s = seen.GetValueOrDefault(version) ?? new Sighting(long.MaxValue, long.MinValue, null);
            seen[version] = qualifier[..colon] switch
            {
                "first" => s with { First = BinaryPrimitives.ReadInt64BigEndian(cell.Value) },
                "last" => s with { Last = BinaryPrimitives.ReadInt64BigEndian(cell.Value) },
                "modules" => s with { Modules = System.Text.Json.JsonSerializer.Deserialize<List<string>>(cell.Value) },
                _ => s,
            };
        }
        foreach (var ((name, version), p) in pending)
        {
            if (name == job)
            {
                var s = seen.GetValueOrDefault(version);
                seen[version] = s is null ? p : new Sighting(Math.Min(s.First, p.First), Math.Max(s.Last, p.Last), p.Modules ?? s.Modules);
            }
        }
        return seen.Select(kv => new JobVersionSeen(kv.Key, kv.Value.First, kv.Value.Last, kv.Value.Modules ?? []))
            .OrderByDescending(v => v.LastSeen).ThenBy(v => v.Version, StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<Cell> Cells(string version, Sighting s)
    {
        yield return new Cell(Family, Encoding.UTF8.GetBytes("first:" + version), long.MaxValue - 1 - s.First, Time(s.First));
        yield return new Cell(Family, Encoding.UTF8.GetBytes("last:" + version), s.Last, Time(s.Last));
        if (s.Modules is not null)
        {
            yield return new Cell(Family, Encoding.UTF8.GetBytes("modules:" + version), s.First, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(s.Modules));
        }
    }

    private static byte[] Time(long ms)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ms);
        return bytes;
    }

    private sealed record Sighting(long First, long Last, IReadOnlyList<string>? Modules);
}

/// <summary>A version of a job that ran somewhere.</summary>
/// <param name="Version">The content hash.</param>
/// <param name="FirstSeen">When a process first loaded or ran it (ms since the Unix epoch).</param>
/// <param name="LastSeen">When a process last loaded or ran it (as of the last flush of each process).</param>
/// <param name="LibraryModules">The local library modules it covers.</param>
public sealed record JobVersionSeen(string Version, long FirstSeen, long LastSeen, IReadOnlyList<string> LibraryModules);
