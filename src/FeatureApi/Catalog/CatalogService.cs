using FeaturePlatform.EventCenter.Ingestion.Schema;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.FeatureApi.Catalog;

/// <summary>
/// The metadata center's view: sources (registry + metadata store + observed schema), jobs and versions (job registry
/// and version log), features (declared outputs), configured outputs, models (<see cref="ICatalogModels"/>, when
/// registered) and the lineage graph built from declarations — triggers, reads found in the modules, outputs.
/// </summary>
internal sealed class CatalogService(SourceRegistry sources, SourceSync sourceSync, IMetadataStore metadata, JobCatalog jobs, JobReads reads, IServiceProvider services)
{
    /// <summary>Every source.</summary>
    public async Task<IReadOnlyList<CatalogSourceJson>> SourcesAsync(CancellationToken cancellationToken)
    {
        var stored = (await metadata.ListAsync(SourceSync.Kind, cancellationToken)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var schemas = (await metadata.ListAsync(ObservedSchema.Kind, cancellationToken)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var seeds = sourceSync.Seeds.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var graph = Jobs();
        return [.. sources.All.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
        {
            var record = stored.GetValueOrDefault(s.Name);
            var observed = schemas.GetValueOrDefault(s.Name)?.Json is { } json ? System.Text.Json.JsonSerializer.Deserialize<ObservedSchema>(json, JsonOptions) : null;
            return new CatalogSourceJson(s.Name, s.Format.ToString(), s.EffectiveTopics, s.KeyFields, s.TimeField, s.IdField, s.RabbitQueue,
                s.Fields.ToDictionary(f => f.Key, f => f.Value.ToString().ToLowerInvariant(), StringComparer.Ordinal),
                (long)s.EffectiveMaxOutOfOrderness.TotalMilliseconds, (long)s.EffectiveMaxDelay.TotalMilliseconds,
                record is not null ? "api" : seeds.Contains(s.Name) ? "configuration" : "api", record?.Revision, record?.ChangedBy, record?.ChangedAt,
                observed is null ? null : Observed(observed),
                [.. graph.Where(j => j.Triggers.Contains(s.Name)).Select(j => j.Name)], [.. graph.Where(j => j.Reads.Contains(s.Name)).Select(j => j.Name)]);
        })];
    }

    /// <summary>Every job with its versions.</summary>
    public async Task<IReadOnlyList<CatalogJobJson>> JobsAsync(CancellationToken cancellationToken)
    {
        var log = services.GetService<JobVersionLog>();
        var models = await ModelsAsync(cancellationToken);
        var result = new List<CatalogJobJson>();
        foreach (var job in Jobs())
        {
            var versions = log is null ? [] : await log.ListAsync(job.Name, cancellationToken);
            result.Add(job with
            {
                Versions = [.. versions.Select(v => new CatalogVersionJson(v.Version, v.FirstSeen, v.LastSeen, v.Version == job.Version))],
                Models = [.. models.Where(m => m.Jobs.Contains(job.Name)).Select(m => m.Name)],
            });
        }
        return result;
    }

    /// <summary>Every feature (output column of a job) with its freshness.</summary>
    public async Task<IReadOnlyList<CatalogFeatureJson>> FeaturesAsync(CancellationToken cancellationToken)
    {
        var live = services.GetService<LiveJobsService>();
        var features = new List<CatalogFeatureJson>();
        foreach (var job in jobs.Jobs.OrderBy(j => j.Name, StringComparer.Ordinal))
        {
            long? last = null, lag = null;
            foreach (var runner in live?.Runners.Values.Where(r => r.Job == job.Name) ?? [])
            {
                var l = await live!.GetLagAsync(runner, cancellationToken);
                last = Max(last, l.LastEventTimeMs);
                lag = Max(lag, l.LagMs);
            }
            features.AddRange(job.Declaration.Outputs.Select(o => new CatalogFeatureJson($"{job.Name}.{o.Name}", job.Name, o.Name, o.Type.ToString().ToLowerInvariant(),
                o.Description, o.Nullable, job.Version, new FreshnessJson(last, lag))));
        }
        return features;
    }

    /// <summary>Every configured output.</summary>
    public IReadOnlyList<CatalogOutputJson> Outputs() => [.. Jobs().SelectMany(j => j.Outputs)];

    /// <summary>Models, when a model registry is present.</summary>
    public async Task<IReadOnlyList<CatalogModel>> ModelsAsync(CancellationToken cancellationToken) =>
        services.GetService<ICatalogModels>() is { } models ? await models.ListAsync(cancellationToken) : [];

    /// <summary>The lineage graph; with <paramref name="focus"/> (a node id) only what is connected to it upstream and downstream.</summary>
    public async Task<LineageJson> LineageAsync(string? focus, CancellationToken cancellationToken)
    {
        var nodes = new Dictionary<string, LineageNodeJson>(StringComparer.Ordinal);
        var edges = new List<LineageEdgeJson>();
        void Node(string kind, string name) => nodes.TryAdd($"{kind}:{name}", new LineageNodeJson($"{kind}:{name}", kind, name));
        foreach (var s in sources.All)
        {
            Node("source", s.Name);
        }
        foreach (var job in Jobs())
        {
            Node("job", job.Name);
            foreach (var t in job.Triggers)
            {
                Node("source", t);
                edges.Add(new LineageEdgeJson($"source:{t}", $"job:{job.Name}", "trigger"));
            }
            foreach (var r in job.Reads.Except(job.Triggers))
            {
                Node("source", r);
                edges.Add(new LineageEdgeJson($"source:{r}", $"job:{job.Name}", "read"));
            }
            foreach (var f in job.Features)
            {
                Node("feature", f);
                edges.Add(new LineageEdgeJson($"job:{job.Name}", $"feature:{f}", "produces"));
            }
            foreach (var o in job.Outputs)
            {
                nodes.TryAdd(o.Id, new LineageNodeJson(o.Id, "output", $"{o.Target} · {job.Name}"));
                edges.Add(new LineageEdgeJson($"job:{job.Name}", o.Id, "writes"));
            }
        }
        foreach (var model in await ModelsAsync(cancellationToken))
        {
            Node("model", model.Name);
            edges.AddRange(model.Jobs.Where(j => nodes.ContainsKey($"job:{j}")).Select(j => new LineageEdgeJson($"model:{model.Name}", $"job:{j}", "uses")));
        }
        if (focus is null || !nodes.ContainsKey(focus))
        {
            return new LineageJson([.. nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal)], edges);
        }
        var keep = Reach(focus, edges, e => e.From, e => e.To);
        keep.UnionWith(Reach(focus, edges, e => e.To, e => e.From));
        return new LineageJson([.. nodes.Values.Where(n => keep.Contains(n.Id)).OrderBy(n => n.Id, StringComparer.Ordinal)],
            [.. edges.Where(e => keep.Contains(e.From) && keep.Contains(e.To))]);
    }

    /// <summary>Sources, jobs, features, outputs and models whose name (or description) contains <paramref name="query"/>, names first.</summary>
    public async Task<IReadOnlyList<SearchHitJson>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        var hits = new List<SearchHitJson>();
        hits.AddRange(sources.All.Select(s => new SearchHitJson("source", s.Name, $"{s.Format} source on {string.Join(", ", s.EffectiveTopics)}", $"source:{s.Name}")));
        hits.AddRange(Jobs().Select(j => new SearchHitJson("job", j.Name, j.Description, $"job:{j.Name}")));
        hits.AddRange((await FeaturesAsync(cancellationToken)).Select(f => new SearchHitJson("feature", f.Name, f.Description, $"feature:{f.Name}")));
        hits.AddRange(Outputs().Select(o => new SearchHitJson("output", $"{o.Kind} {o.Target}", $"output of {o.Job}", o.Id)));
        hits.AddRange((await ModelsAsync(cancellationToken)).Select(m => new SearchHitJson("model", m.Name, m.Description ?? "", $"model:{m.Name}")));
        return [.. hits.Where(h => h.Name.Contains(query, StringComparison.OrdinalIgnoreCase) || h.Description.Contains(query, StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Name.Contains(query, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(h => h.Kind, StringComparer.Ordinal).ThenBy(h => h.Name, StringComparer.Ordinal)];
    }

    private List<CatalogJobJson> Jobs()
    {
        var settings = services.GetService<RuntimeSettings>();
        return [.. jobs.Jobs.OrderBy(j => j.Name, StringComparer.Ordinal).Select(job =>
        {
            var d = job.Declaration;
            // Configured outputs, then the presets the running version names (@job(sinks=…)); neither: the feature store.
            var sinks = d.Sinks.Select(name => settings?.Outputs.Find(name)).OfType<Runtime.Outputs.JobOutputSettings>();
            List<Runtime.Outputs.JobOutputSettings> effective = [.. (settings?.For(job.Name).Outputs ?? []).Concat(sinks)];
            var outputs = (effective.Count > 0 ? effective : [new Runtime.Outputs.JobOutputSettings()]).Select((o, i) => new CatalogOutputJson(
                $"output:{job.Name}/{o.Kind}/{i}", job.Name, o.Kind.ToString(),
                o.Kind switch
                {
                    Runtime.Outputs.JobOutputKind.Kafka => $"topic {o.Topic}",
                    Runtime.Outputs.JobOutputKind.RabbitMq => $"exchange {o.Exchange}" + (o.RoutingKey is { } k ? $" ({k})" : ""),
                    Runtime.Outputs.JobOutputKind.EventCenter => "event center",
                    _ => "feature store",
                }));
            return new CatalogJobJson(job.Name, d.Description, job.Version, job.Enabled, d.Consistency.ToString(), [.. d.Triggers.Select(t => t.Source).Distinct(StringComparer.Ordinal)],
                reads.Of(d), d.RequestSource, [.. d.Outputs.Select(o => $"{job.Name}.{o.Name}")], [.. outputs], [], []);
        })];
    }

    private static HashSet<string> Reach(string start, List<LineageEdgeJson> edges, Func<LineageEdgeJson, string> from, Func<LineageEdgeJson, string> to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var at))
        {
            foreach (var e in edges.Where(e => from(e) == at && seen.Add(to(e))))
            {
                queue.Enqueue(to(e));
            }
        }
        return seen;
    }

    private static ObservedSchemaJson Observed(ObservedSchema s) => new(s.Events, s.Inspected, s.LastEventTime, s.UpdatedAt,
        [.. s.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new ObservedFieldJson(f.Key, f.Value.MainType, f.Value.Types,
            s.Inspected == 0 ? 0 : Math.Round((double)(s.Inspected - f.Value.Present + f.Value.Nulls) / s.Inspected, 4), f.Value.Examples))]);

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);
}
