using System.Globalization;

namespace FeaturePlatform.KafkaMock;

/// <summary>Command line of the mock cluster: <c>[--brokers N] [--topic name:partitions]...</c>.</summary>
/// <param name="Brokers">Number of brokers; default 3.</param>
/// <param name="Topics">Topics to create at start, with their partition counts.</param>
internal sealed record MockOptions(int Brokers, IReadOnlyList<(string Name, int Partitions)> Topics)
{
    public const string Usage = "usage: FeaturePlatform.KafkaMock [--brokers N] [--topic name:partitions]...";

    public static MockOptions Parse(IReadOnlyList<string> args)
    {
        var brokers = 3;
        var topics = new List<(string, int)>();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--brokers":
                    brokers = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                        ? n
                        : throw new ArgumentException($"--brokers wants a positive number, got '{value}'.");
                    i++;
                    break;
                case "--topic":
                    var colon = value.LastIndexOf(':');
                    topics.Add(colon > 0
                        && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1
                        ? (value[..colon], p)
                        : throw new ArgumentException($"--topic wants name:partitions, got '{value}'."));
                    i++;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. {Usage}");
            }
        }
        return new MockOptions(brokers, topics);
    }
}
