using Confluent.Kafka;
using FeaturePlatform.EventCenter.Kafka;

namespace FeaturePlatform.EventCenter.Tests.Kafka;

public sealed class LibrdkafkaLoaderTests
{
    [Fact]
    public async Task EnsureLoaded_binds_Confluent_Kafka_to_the_runtime_soname_once_from_many_threads()
    {
        var versions = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(LibrdkafkaLoader.EnsureLoaded)));

        Assert.Single(versions.Distinct());
        Assert.Matches(@"^\d+\.\d+\.\d+", versions[0]);
        Assert.Equal(versions[0], Library.VersionString);
        // Debian's librdkafka1 ships only librdkafka.so.1; the loader must take it even where the -dev link exists.
        Assert.Equal("librdkafka.so.1", LibrdkafkaLoader.LoadedFrom);
        // Nothing in this assembly touches Confluent.Kafka before the loader, so its DllImport went through the resolver.
        Assert.True(LibrdkafkaLoader.ResolverCalls >= 1, "Confluent.Kafka's DllImport did not go through the resolver");
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = "127.0.0.1:1" }).Build();
        Assert.False(string.IsNullOrEmpty(producer.Name));
    }

    [Fact]
    public void LoadFirst_skips_candidates_that_do_not_load()
    {
        var (handle, name) = LibrdkafkaLoader.LoadFirst(["/nonexistent/librdkafka.so", "librdkafka.so.1"]);

        Assert.NotEqual(IntPtr.Zero, handle);
        Assert.Equal("librdkafka.so.1", name);
    }

    [Fact]
    public void LoadFirst_names_every_candidate_it_tried_when_none_loads()
    {
        var e = Assert.Throws<DllNotFoundException>(() => LibrdkafkaLoader.LoadFirst(["/nonexistent/a.so", "/nonexistent/b.so.1"]));

        Assert.Contains("/nonexistent/a.so", e.Message);
        Assert.Contains("/nonexistent/b.so.1", e.Message);
    }
}
