using System.Reflection;
using NetArchTest.Rules;

namespace FeaturePlatform.Architecture.Tests;

/// <summary>
/// Dependencies point inward (FeatureApi → Runtime → EventCenter, PyBridge) and every driver stays inside its adapter:
/// a type outside <c>*.Adapters.&lt;System&gt;</c> (or the composition in <c>*.Hosting</c>) that uses a driver fails here.
/// </summary>
public sealed class DependencyRulesTests
{
    private static readonly Assembly EventCenter = typeof(EventCenter.Hosting.EventCenterSettings).Assembly;
    private static readonly Assembly Runtime = typeof(Runtime.Hosting.RuntimeSettings).Assembly;
    private static readonly Assembly PyBridge = typeof(PyBridge.PythonHost).Assembly;
    private static readonly Assembly FeatureApi = typeof(FeatureApi.Hosting.PlatformDefaults).Assembly;

    /// <summary>Each driver, the namespaces of its driver, and the adapter namespace allowed to use it.</summary>
    private static readonly (string System, string[] Drivers, string Adapter)[] Adapters =
    [
        ("HBase (Apache Thrift)", ["Thrift"], "FeaturePlatform.EventCenter.Adapters.HBase"),
        ("Kafka (Confluent.Kafka)", ["Confluent.Kafka"], "FeaturePlatform.EventCenter.Adapters.Kafka"),
        ("embedded SQLite", ["Microsoft.Data.Sqlite", "SQLitePCL"], "FeaturePlatform.EventCenter.Adapters.Embedded"),
        ("source databases", ["Npgsql", "MySqlConnector", "Dapper"], "FeaturePlatform.EventCenter.Adapters.SourceDatabases"),
        ("PostgreSQL metadata store", ["Npgsql"], "FeaturePlatform.EventCenter.Adapters.Postgres"),
        ("RabbitMQ (event center)", ["RabbitMQ.Client"], "FeaturePlatform.EventCenter.Adapters.RabbitMq"),
        ("RabbitMQ (runtime)", ["RabbitMQ.Client"], "FeaturePlatform.Runtime.Adapters.RabbitMq"),
        ("CPython (pythonnet)", ["Python.Runtime"], "FeaturePlatform.PyBridge"),
    ];

    /// <summary>The external systems, by index into the adapters table.</summary>
    public static TheoryData<int> Systems => [.. Enumerable.Range(0, Adapters.Length)];

    [Theory]
    [MemberData(nameof(Systems))]
    public void A_driver_is_used_only_inside_its_adapter(int index)
    {
        var (system, driverNamespaces, adapter) = Adapters[index];
        // The same driver may have an adapter in each layer (RabbitMQ): the other layer's adapter is allowed too.
        var adapters = Adapters.Where(a => a.Drivers.Intersect(driverNamespaces).Any()).Select(a => a.Adapter).ToArray();
        foreach (var assembly in new[] { EventCenter, Runtime, PyBridge, FeatureApi })
        {
            var result = Types.InAssembly(assembly).That().DoNotResideInNamespaceMatching(Pattern(adapters))
                .ShouldNot().HaveDependencyOnAny(driverNamespaces).GetResult();
            // Nested types (generated Thrift processors) report no namespace of their own: judge them by their full name.
            var offenders = (result.FailingTypeNames ?? []).Where(t => !adapters.Any(a => t.StartsWith(a + ".", StringComparison.Ordinal))).ToList();
            Assert.True(offenders.Count == 0,
                $"{system}: only {string.Join(" / ", adapters)} may use {string.Join(", ", driverNamespaces)}; used by {string.Join(", ", offenders)}");
        }
        Assert.NotEmpty(adapter);
    }

    [Fact]
    public void The_event_centers_core_sees_no_adapter()
    {
        // The composition (Hosting) picks adapters from settings; everything else works on the contracts.
        var result = Types.InAssembly(EventCenter).That().DoNotResideInNamespaceMatching(@"^FeaturePlatform\.EventCenter\.(Adapters|Hosting)(\.|$)")
            .ShouldNot().HaveDependencyOn("FeaturePlatform.EventCenter.Adapters").GetResult();
        Assert.True(result.IsSuccessful, "core types using an adapter: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void The_runtimes_core_sees_no_adapter()
    {
        var result = Types.InAssembly(Runtime).That().DoNotResideInNamespaceMatching(@"^FeaturePlatform\.Runtime\.(Adapters|Hosting)(\.|$)")
            .ShouldNot().HaveDependencyOnAny("FeaturePlatform.Runtime.Adapters", "FeaturePlatform.EventCenter.Adapters").GetResult();
        Assert.True(result.IsSuccessful, "runtime types using an adapter: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void Layers_depend_inward_only()
    {
        AssertNoReference(EventCenter, "FeaturePlatform.Runtime", "FeaturePlatform.PyBridge", "FeaturePlatform.FeatureApi", "Microsoft.AspNetCore");
        AssertNoReference(PyBridge, "FeaturePlatform.EventCenter", "FeaturePlatform.Runtime", "FeaturePlatform.FeatureApi", "Microsoft.AspNetCore",
            "Confluent.Kafka", "Thrift", "RabbitMQ.Client", "Npgsql", "MySqlConnector", "Microsoft.Data.Sqlite");
        AssertNoReference(Runtime, "FeaturePlatform.FeatureApi", "Microsoft.AspNetCore");
    }

    private static void AssertNoReference(Assembly assembly, params string[] forbidden)
    {
        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var bad = referenced.Where(r => forbidden.Any(f => r == f || r.StartsWith(f + ".", StringComparison.Ordinal))).ToList();
        Assert.True(bad.Count == 0, $"{assembly.GetName().Name} references {string.Join(", ", bad)}");
        // Type-level too: a dependency through a type forwarded or loaded by reflection still shows in IL.
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{assembly.GetName().Name} types depend on {string.Join(", ", forbidden)}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    private static string Pattern(IEnumerable<string> namespaces) =>
        "^(" + string.Join("|", namespaces.Select(n => System.Text.RegularExpressions.Regex.Escape(n))) + @")(\.|$)";
}
