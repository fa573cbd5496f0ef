using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Testing.Tests.Kafka;

/// <summary>The standalone FeaturePlatform.KafkaMock process, used from other processes (kcat) and Confluent.Kafka.</summary>
public sealed partial class KafkaMockProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Standalone_mock_serves_kcat_and_confluent_clients_and_stops_on_sigterm()
    {
        var topic = UniqueName.For("mockproc");
        var dir = TestPaths.NewServerDirectory("kafkamock");
        var dll = Path.Combine(AppContext.BaseDirectory, "FeaturePlatform.KafkaMock.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        await using var server = ServerProcess.Start("kafka-mock", dotnet,
            [dll, "--brokers", "3", "--topic", $"{topic}:4"], Path.Combine(dir, "kafka-mock.log"));

        string? bootstraps = null;
        Assert.True(await KafkaConsume.WaitUntilAsync(() => (bootstraps = FindBootstraps(server.TailLog())) is not null || !server.IsRunning, Timeout)
            && bootstraps is not null, "no bootstrap line:\n" + server.TailLog());
        Assert.Equal(3, bootstraps!.Split(',').Length);

        // Metadata through an independent client.
        var (code, output) = await ServerProcess.RunAsync("kcat", ["-b", bootstraps, "-L", "-J", "-t", topic], Timeout);
        Assert.True(code == 0, $"kcat -L failed: {output}\n{server.TailLog()}");
        using (var metadata = JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)]))
        {
            Assert.Equal(3, metadata.RootElement.GetProperty("brokers").GetArrayLength());
            var described = metadata.RootElement.GetProperty("topics").EnumerateArray().Single();
            Assert.Equal(topic, described.GetProperty("topic").GetString());
            Assert.Equal(4, described.GetProperty("partitions").GetArrayLength());
        }

        // kcat produces, Confluent.Kafka consumes.
        var input = Path.Combine(dir, "input.txt");
        await File.WriteAllLinesAsync(input, ["a:1", "b:2", "c:3"]);
        (code, output) = await ServerProcess.RunAsync("kcat", ["-b", bootstraps, "-P", "-t", topic, "-K", ":", "-l", input], Timeout);
        Assert.True(code == 0, $"kcat -P failed: {output}");
        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = bootstraps,
            GroupId = KafkaFixture.NewGroupId(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
        };
        using (var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build())
        {
            consumer.Subscribe(topic);
            var consumed = KafkaConsume.Exactly(consumer, 3, Timeout);
            consumer.Close();
            Assert.Equal(["a=1", "b=2", "c=3"], consumed.Select(r => $"{r.Message.Key}={r.Message.Value}").Order());
        }

        // Confluent.Kafka produces, kcat consumes everything.
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstraps, Acks = Acks.All, EnableIdempotence = true }).Build())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "d", Value = "4" });
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "e", Value = "5" });
        }
        (code, output) = await ServerProcess.RunAsync("kcat",
            ["-b", bootstraps, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n"], Timeout);
        Assert.True(code == 0, $"kcat -C failed: {output}");
        Assert.Equal(["a=1", "b=2", "c=3", "d=4", "e=5"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        await server.StopAsync(TimeSpan.FromSeconds(20));
        Assert.False(server.IsRunning);
        Assert.Contains("# stopped", server.TailLog());
    }

    [GeneratedRegex(@"^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$", RegexOptions.Multiline)]
    private static partial Regex BootstrapLine();

    private static string? FindBootstraps(string log)
    {
        var match = BootstrapLine().Match(log.Replace("\r", ""));
        return match.Success ? match.Value : null;
    }
}
