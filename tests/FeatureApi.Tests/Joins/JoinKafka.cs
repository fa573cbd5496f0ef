using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>Settings that put a <see cref="JoinPlatform"/> on the Kafka mock, every topic pre-created (CreateTopics off).</summary>
public static class JoinKafka
{
    /// <summary>The host's own five sources, the join sources (indexes 5, 6, …) and the calls topic, each on a fresh 4-partition topic.</summary>
    public static Dictionary<string, string> Settings(KafkaFixture kafka, int joinSources, string prefix)
    {
        var settings = new Dictionary<string, string>
        {
            ["EventCenter:Bus:Kind"] = "Kafka",
            ["EventCenter:Bus:BootstrapServers"] = kafka.BootstrapServers,
            ["EventCenter:Bus:CreateTopics"] = "false",
            ["EventCenter:Bus:SessionTimeout"] = "00:00:06",
            ["EventCenter:Ingest:GroupId"] = KafkaFixture.NewGroupId(prefix + "-ingest"),
            ["Runtime:Calls:Topic"] = kafka.CreateTopic(4, prefix + "-calls"),
        };
        // The host's own five sources are keyed by name in appsettings.json; the join sources are entries 5… (JoinPlatform).
        string[] host = ["orders", "user_profile", "loan_applications", "repayments", "credit_profile"];
        for (var i = 0; i < 5 + joinSources; i++)
        {
            settings[$"EventCenter:Sources:{(i < host.Length ? host[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}:Topics:0"] = kafka.CreateTopic(4, $"{prefix}-s{i}");
        }
        return settings;
    }
}
