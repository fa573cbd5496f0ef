namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>The Python jobs of the join tests.</summary>
public static class JoinJobs
{
    /// <summary>
    /// A job triggered by both sources: for its trigger's event it fetches the other source's entity as of the
    /// trigger's event time at <paramref name="consistency"/> and emits whether it saw the partner.
    /// </summary>
    public static string Probe(string name, string sourceA, string sourceB, string consistency) => $$"""
        from featureplatform import Output, job

        @job("{{name}}", triggers=["{{sourceA}}", "{{sourceB}}"], consistency="{{consistency}}",
             outputs=[Output("pair", str), Output("side", str), Output("saw", bool)])
        def probe(event, ctx):
            other = "{{sourceB}}" if event.source == "{{sourceA}}" else "{{sourceA}}"
            partner = ctx.fetch(other, event.key)
            return {"pair": event.key, "side": event.source, "saw": partner is not None}
        """;

    /// <summary>
    /// A job triggered by <paramref name="trigger"/> that reads the history of <paramref name="other"/> up to the
    /// trigger's event time at <paramref name="consistency"/> and emits how many changes it saw.
    /// </summary>
    public static string HistoryProbe(string name, string trigger, string other, string consistency) => $$"""
        from featureplatform import Output, job

        @job("{{name}}", triggers="{{trigger}}", consistency="{{consistency}}", outputs=[Output("seen", int)])
        def history_probe(event, ctx):
            return {"seen": len(ctx.history("{{other}}", event.key, since=0))}
        """;
}
