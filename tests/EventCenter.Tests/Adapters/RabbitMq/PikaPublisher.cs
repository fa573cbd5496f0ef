using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
namespace FeaturePlatform.EventCenter.Tests.Adapters.RabbitMq;

/// <summary>
/// A foreign RabbitMQ publisher: Debian's Python pika (<c>python3-pika</c>, run with <c>/usr/bin/python3</c>),
/// publishing persistent messages with publisher confirms, no AMQP timestamp and — unless asked — no message_id.
/// Commands: <c>entities:N:S</c> (N entities × S ordered states, one entity's states in a row),
/// <c>normal:FROM:COUNT</c> (small messages of 10 entities) and <c>big:BYTES</c> (one message of that size).
/// </summary>
internal static class PikaPublisher
{
    private const string Script = """
        import json, sys
        import pika

        host, port, queue, with_ids = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "ids"
        connection = pika.BlockingConnection(pika.ConnectionParameters(
            host=host, port=port, credentials=pika.PlainCredentials("guest", "guest")))
        channel = connection.channel()
        channel.confirm_delivery()
        published = 0

        def publish(body, message_id):
            global published
            properties = pika.BasicProperties(delivery_mode=2, content_type="application/json",
                                              message_id=message_id if with_ids else None)
            channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties, mandatory=True)
            published += 1

        for command in sys.argv[5:]:
            kind, *args = command.split(":")
            if kind == "entities":
                for e in range(int(args[0])):
                    for s in range(1, int(args[1]) + 1):
                        publish(json.dumps({"entity": f"e-{e}", "state": s}).encode(), f"m-{e}-{s}")
            elif kind == "normal":
                for i in range(int(args[0]), int(args[0]) + int(args[1])):
                    publish(json.dumps({"entity": f"n-{i % 10}", "seq": i}).encode(), f"n-{i}")
            elif kind == "big":
                size = int(args[0])
                head = b'{"entity":"big","pad":"'
                publish(head + b"x" * (size - len(head) - 2) + b'"}', f"big-{size}")
            else:
                raise SystemExit(f"unknown command {command}")
        connection.close()
        print(f"published {published}")
        """;

    /// <summary>Runs the publisher against <paramref name="server"/>'s <paramref name="queue"/>; returns its output.</summary>
    public static async Task<string> PublishAsync(RabbitMqServer server, string queue, bool withIds, params string[] commands)
    {
        var directory = Path.Combine(Path.GetTempPath(), UniqueName.For("pika"));
        Directory.CreateDirectory(directory);
        var script = Path.Combine(directory, "publish.py");
        await File.WriteAllTextAsync(script, Script);
        var (exit, output) = await ServerProcess.RunAsync(
            "/usr/bin/python3", [script, server.Host, server.AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), queue, withIds ? "ids" : "no-ids", .. commands],
            TimeSpan.FromSeconds(120), workingDirectory: directory);
        Assert.True(exit == 0, $"pika publisher failed ({exit}): {output}");
        return output;
    }
}
