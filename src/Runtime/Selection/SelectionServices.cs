using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>Composition of the feature store and feature selection.</summary>
internal static class SelectionServices
{
    /// <summary>
    /// Registers the feature store (with the selection copy as its write listener when the memory engine is chosen),
    /// the engine, saved selections, export runs and the copy's loader.
    /// </summary>
    public static IServiceCollection AddSelection(this IServiceCollection services, RuntimeSettings settings)
    {
        var selection = settings.Selection;
        services.AddSingleton(selection);
        services.AddSingleton<SelectionCopy>();
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot);
            return new FeatureStore(store, saltBuckets: settings.FeatureStoreSaltBuckets, listener: UsesCopy(selection, store) ? sp.GetRequiredService<SelectionCopy>() : null);
        });
        services.AddSingleton<ISelectionEngine>(sp =>
        {
            var store = sp.GetRequiredService<FeatureStore>();
            return UsesCopy(selection, sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot))
                ? new MemorySelectionEngine(sp.GetRequiredService<SelectionCopy>())
                : new ScanSelectionEngine(store, selection.SchemaSampleRows);
        });
        services.AddSingleton(sp => new SelectionRuns(selection.ResolveExportDirectory(sp.GetRequiredService<EventCenterSettings>().DataDirectory),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SelectionRuns>>()));
        services.AddSingleton(sp => new SavedSelections(sp.GetRequiredService<IMetadataStore>()));
        services.AddSingleton(sp =>
        {
            var loaded = sp.GetRequiredService<LoadedJobs>();
            return new SelectionService(sp.GetRequiredService<ISelectionEngine>(), sp.GetRequiredService<SelectionRuns>(), selection, sp.GetRequiredService<TimeProvider>(),
                job => loaded.Jobs.FirstOrDefault(j => j.Name == job)?.Loaded.Declaration.Outputs.Select(Declared).ToList(),
                job => loaded.Jobs.FirstOrDefault(j => j.Name == job) is { } found ? (found.Version, found.Loaded.Parameters) : null);
        });
        services.AddHostedService(sp => new SelectionCopyService(UsesCopy(selection, sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)),
            sp.GetRequiredService<SelectionCopy>(), sp.GetRequiredService<FeatureStore>(), selection, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SelectionCopyService>>()));
        return services;
    }

    /// <summary>A declared output column as selection types it (str: string, which a value in ISO 8601 form makes a timestamp too).</summary>
    private static SchemaColumn Declared(PyBridge.Jobs.OutputDefinition output) => new(output.Name, [output.Type switch
    {
        PyBridge.Jobs.ValueType.Bool => ValueKind.Boolean,
        PyBridge.Jobs.ValueType.Str => ValueKind.String,
        _ => ValueKind.Number,
    }]);

    /// <summary>Whether the in-memory copy is kept: memory chosen, or auto on a store without filter push-down.</summary>
    public static bool UsesCopy(SelectionSettings settings, IWideTableStore store) => settings.Engine switch
    {
        SelectionEngineKind.Memory => true,
        SelectionEngineKind.Scan => false,
        _ => !store.SupportsFilterString,
    };
}
