namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>Job modules the multi-process and cluster tests run on the <c>orders</c> source.</summary>
internal static class OrderJobs
{
    /// <summary>
    /// Counts and sums a user's orders of the last day (trigger-strong, one history read) and outputs the pid of the
    /// process that ran it, so a test can tell which host computed a row and that no order was lost or counted twice.
    /// </summary>
    public static string CountOrders(string name) => $$"""
        import os
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job(
            "{{name}}",
            triggers="orders",
            consistency=Consistency.TRIGGER_STRONG,
            outputs=[Output("order_count", int, "Orders of the user so far."), Output("amount", int, "Their total amount."),
                     Output("pid", int, "The process that computed it.")],
        )
        def count_orders(event, ctx):
            history = ctx.history("orders", event.key, since=timedelta(days=1))
            return {"order_count": len(history), "amount": sum(int(c.get("amount", 0)) for c in history), "pid": os.getpid()}
        """;
}
