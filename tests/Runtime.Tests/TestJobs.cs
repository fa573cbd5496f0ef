
namespace FeaturePlatform.Runtime.Tests;

/// <summary>Job modules used by the runtime tests.</summary>
internal static class TestJobs
{
    /// <summary>Orders over a window joined with the user's profile by a fetch-strong fetch.</summary>
    public const string OrderProfile = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, Param, job

        @job(
            "order_profile",
            triggers="orders",
            consistency=Consistency.TRIGGER_STRONG,
            params=[Param("window_days", int, default=30, min=1, max=365, description="Look-back window in days.")],
            outputs=[
                Output("user_id", str, "The user."),
                Output("orders", int, "Orders in the window, this one included."),
                Output("amount", float, "Sum of their amounts."),
                Output("tier", str, "The user's tier as of the order.", nullable=True),
            ],
        )
        def order_profile(event, ctx):
            history = ctx.history("orders", event.key, since=timedelta(days=ctx.params["window_days"]))
            profile = ctx.fetch("profiles", event.key, consistency="fetch_strong")
            return {
                "user_id": event.key,
                "orders": len(history),
                "amount": round(sum(float(c.get("amount", 0)) for c in history), 2),
                "tier": profile.get("tier") if profile else None,
            }
        """;

    /// <summary>Tries to read a day into the future when an order is large: must be refused.</summary>
    public const string Peeker = """
        from featureplatform import Output, job

        @job("peeker", triggers="orders", outputs=[Output("tier", str, "tier", nullable=True)])
        def peeker(event, ctx):
            as_of = event.time_ms + 86_400_000 if event.get("amount", 0) > 100 else None
            profile = ctx.fetch("profiles", event.key, as_of=as_of)
            return {"tier": profile.get("tier") if profile else None}
        """;

    /// <summary>Scales the order amount by a parameter; echoes a choice parameter.</summary>
    public const string Scaled = """
        from featureplatform import Output, Param, job

        @job(
            "scaled",
            triggers="orders",
            params=[
                Param("factor", float, default=1.0, min=0.0, max=10.0, description="Multiplier."),
                Param("mode", str, default="a", choices=("a", "b"), description="A label."),
                Param("rounds", int, default=1, min=1, max=5, description="An integer."),
            ],
            outputs=[Output("scaled", float, "amount × factor"), Output("mode", str, "the mode"), Output("rounds", int, "rounds")],
        )
        def scaled(event, ctx):
            return {"scaled": float(event.get("amount", 0)) * ctx.params["factor"], "mode": ctx.params["mode"], "rounds": ctx.params["rounds"]}
        """;

    /// <summary>The example job's shape without waits: one eventual fetch per event (replays of stored history).</summary>
    public const string OrderFetch = """
        from featureplatform import Consistency, Output, job

        @job(
            "order_fetch",
            triggers="orders",
            consistency=Consistency.EVENTUAL,
            outputs=[Output("user_id", str, "The user."), Output("amount", float, "The order's amount."), Output("tier", str, "Tier as of the order.", nullable=True)],
        )
        def order_fetch(event, ctx):
            profile = ctx.fetch("profiles", event.key)
            return {"user_id": event.key, "amount": float(event.get("amount", 0)), "tier": profile.get("tier") if profile else None}
        """;
}
