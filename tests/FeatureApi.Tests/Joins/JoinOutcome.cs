using System.Text;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>What the computations of one pair said: per side, whether it saw its partner (null: no row).</summary>
public sealed record PairRows(bool? ASaw, bool? BSaw)
{
    public bool Complete => ASaw is not null && BSaw is not null;

    public bool Seen => ASaw == true || BSaw == true;
}

/// <summary>One pair with what was posted, its class and what each job's computations saw.</summary>
public sealed record PairOutcome(PlannedPair Plan, PostedEvent A, PostedEvent B, string? Late, PairRows Strong, PairRows Eventual)
{
    public bool OnTime => Late is null;

    public string Describe(long origin) =>
        $"{Plan.Pair} [{Plan.Scenario}] A(t={A.EventTime - origin}, posted {A.PostedAt - origin}..{A.AnsweredAt - origin}, p{A.Partition}@{A.Offset}) " +
        $"B(t={B.EventTime - origin}, posted {B.PostedAt - origin}..{B.AnsweredAt - origin}, p{B.Partition}@{B.Offset}) " +
        $"strong a:{Text(Strong.ASaw)} b:{Text(Strong.BSaw)} eventual a:{Text(Eventual.ASaw)} b:{Text(Eventual.BSaw)}{(Late is null ? "" : " late: " + Late)}";

    private static string Text(bool? saw) => saw switch { null => "no row", true => "saw", false => "missed" };
}

/// <summary>Counts per scenario and overall, and examples, as text for the test output and assertion messages.</summary>
public static class JoinReport
{
    public static string Summarise(string bus, int seed, IReadOnlyList<PairOutcome> outcomes, long origin)
    {
        var text = new StringBuilder();
        text.AppendLine($"{bus}, seed {seed}: {outcomes.Count} pairs, {outcomes.Count(o => o.OnTime)} on time, {outcomes.Count(o => !o.OnTime)} late");
        text.AppendLine("scenario: pairs / on time / late | fetch_strong: on-time unseen, on-time without both rows, late unseen | eventual: on-time unseen, late unseen");
        foreach (var group in outcomes.GroupBy(o => o.Plan.Scenario).OrderBy(g => g.Key))
        {
            text.AppendLine($"  {group.Key}: {group.Count()} / {group.Count(o => o.OnTime)} / {group.Count(o => !o.OnTime)} | " +
                $"{StrongUnseen(group).Count()}, {group.Count(o => o.OnTime && !o.Strong.Complete)}, {group.Count(o => !o.OnTime && !o.Strong.Seen)} | " +
                $"{EventualUnseen(group).Count()}, {group.Count(o => !o.OnTime && !o.Eventual.Seen)}");
        }
        foreach (var o in StrongUnseen(outcomes).Concat(outcomes.Where(o => o.OnTime && o.Strong.Seen && !o.Strong.Complete)).Take(10))
        {
            text.AppendLine("  fetch_strong example: " + o.Describe(origin));
        }
        foreach (var o in EventualUnseen(outcomes).Take(3))
        {
            text.AppendLine("  eventual example: " + o.Describe(origin));
        }
        return text.ToString();
    }

    /// <summary>On-time pairs that no fetch-strong computation saw complete (including computations with no row).</summary>
    public static IEnumerable<PairOutcome> StrongUnseen(IEnumerable<PairOutcome> outcomes) => outcomes.Where(o => o.OnTime && !o.Strong.Seen);

    /// <summary>On-time pairs that no eventual computation saw complete.</summary>
    public static IEnumerable<PairOutcome> EventualUnseen(IEnumerable<PairOutcome> outcomes) => outcomes.Where(o => o.OnTime && !o.Eventual.Seen);
}
