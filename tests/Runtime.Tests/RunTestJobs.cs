
namespace FeaturePlatform.Runtime.Tests;

/// <summary>Job modules of the run, call and error-handling tests.</summary>
internal static class RunTestJobs
{
    /// <summary>Raises for events flagged "poison"; returns the amount otherwise.</summary>
    public const string Poison = """
        from featureplatform import Output, job

        @job("poison", triggers="orders", outputs=[Output("amount", float, "The order's amount.")])
        def poison(event, ctx):
            if event.get("poison"):
                raise ValueError(f"poisoned order {event.id}")
            return {"amount": float(event.get("amount", 0))}
        """;

    /// <summary>Takes a few milliseconds per event (sleeps, releasing the GIL): runs long enough to watch and cancel.</summary>
    public const string Slow = """
        import time
        from featureplatform import Output, job

        @job("slow", triggers="orders", outputs=[Output("amount", float, "The order's amount.")])
        def slow(event, ctx):
            time.sleep(0.003)
            return {"amount": float(event.get("amount", 0))}
        """;
}
