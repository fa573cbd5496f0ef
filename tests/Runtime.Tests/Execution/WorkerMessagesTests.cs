using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Workers;
using ValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// The worker protocol's outcomes: each keeps the version that ran it, while a version that stays the same crosses once
/// per message (not once per outcome).
/// </summary>
public sealed class WorkerMessagesTests
{
    private const string V1 = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string V2 = "2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly ResultSchema Schema = new([new OutputDefinition("user_id", ValueType.Str, "", false), new OutputDefinition("amount", ValueType.Float, "", false)]);

    [Fact]
    public void A_result_keeps_each_outcomes_version_and_sends_a_repeated_version_once()
    {
        var events = Enumerable.Range(0, 1000).Select(i => new FeatureEvent("orders", $"u{i}", i)).ToList();
        var outcomes = events.Select((e, i) => Outcome(e, i < 600 ? V1 : V2)).ToList();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            WorkerMessages.WriteOutcomes(writer, 7, outcomes, [], 0);
        }

        // Two distinct versions of 64 characters: far less than one per outcome (64,000 bytes).
        Assert.InRange(stream.Length, 1, 40_000);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var (runId, read, _, _, error) = WorkerMessages.ReadResult(reader, _ => ("job", Schema, TimeSpan.FromSeconds(1), events));
        Assert.Equal(7, runId);
        Assert.Null(error);
        Assert.Equal(outcomes.Select(o => o.Version), read!.Select(o => o.Version));
        Assert.Equal(outcomes.Select(o => o.Rows[0].Values[0]), read!.Select(o => o.Rows[0].Values[0]));
    }

    [Fact]
    public void Call_outcomes_of_several_runs_keep_their_versions_in_any_order()
    {
        var events = Enumerable.Range(0, 4).Select(i => new FeatureEvent("orders", $"u{i}", i)).ToList();
        string[] versions = [V1, V1, V2, V1];
        var sent = events.Select((e, i) => (RunId: (long)(i % 2) + 1, Index: i, Outcome: Outcome(e, versions[i]))).ToList();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            WorkerMessages.WriteCallOutcomes(writer, sent);
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var delivered = new List<(long, int, string)>();
        WorkerMessages.ReadCallOutcomes(reader, id => id == 2 ? null : ("job", Schema, TimeSpan.FromSeconds(1), events),
            (id, index, outcome) => delivered.Add((id, index, outcome.Version)));

        // Run 2 is no longer waited for: its outcomes are read past, and the version after them is still right.
        Assert.Equal([(1L, 0, V1), (1L, 2, V2)], delivered);
        Assert.Equal(stream.Length, stream.Position);
    }

    private static EventOutcome Outcome(FeatureEvent e, string version) =>
        new(e, [ResultRow.Create(Schema, [e.Key, 12.5])], null, version);
}
