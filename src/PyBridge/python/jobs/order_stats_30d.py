"""Lending feature: a user's orders over a look-back window, joined with the user's profile by fetch.

Triggered by every order event (key = user id). Instead of joining the order stream with the profile
stream, the logic fetches the profile as of the order's time from the event center. It reads at fetch_strong:
each read waits until the source it reads has stored everything on time up to the order's time, so live results
equal a replay's (trigger_strong only waits for the order itself; see docs/consistency.md).

A bad value poisons nothing but its own event: an order whose amount is not a number fails its own computation
(``event.float`` raises, the run loop retries and quarantines that order), and in the history of later orders it is
left out (``change.float(..., None)``), so the user's later orders still produce features.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

from featureplatform import Change, Consistency, Context, Event, Output, Param, job

DAY_MS = 24 * 60 * 60 * 1000


@job(
    "order_stats_30d",
    triggers="orders",
    consistency=Consistency.FETCH_STRONG,
    params=[
        Param("window_days", int, default=30, min=1, max=365, description="Look-back window in days."),
        Param("min_amount", float, default=0.0, min=0.0, description="Orders below this amount are ignored."),
    ],
    outputs=[
        Output("user_id", str, "The user the row describes."),
        Output("order_count", int, "Orders in the window, the triggering one included."),
        Output("order_amount", float, "Sum of the orders' amounts in the window."),
        Output("avg_order_amount", float, "Mean order amount in the window."),
        Output("user_tier", str, "The user's tier as of the order's time.", nullable=True),
        Output("account_age_days", int, "Days since the user registered, as of the order's time.", nullable=True),
    ],
)
def order_stats(event: Event, ctx: Context) -> dict[str, Any]:
    """Order count and amount over the last ``window_days`` days, with the user's tier and account age."""
    window = timedelta(days=ctx.params["window_days"])
    min_amount = ctx.params["min_amount"]
    event.float("amount", 0.0)  # this order's own amount must be a number: a bad one fails this computation only
    amounts = [
        amount
        for change in ctx.history("orders", event.key, since=window)
        if change.get("status", "created") != "cancelled" and (amount := _amount(change)) is not None and amount >= min_amount
    ]
    profile: Optional[dict[str, Any]] = ctx.fetch("user_profile", event.key)
    registered = profile.get("registered_ms") if profile else None
    return {
        "user_id": event.key,
        "order_count": len(amounts),
        "order_amount": round(sum(amounts), 2),
        "avg_order_amount": round(sum(amounts) / len(amounts), 2) if amounts else 0.0,
        "user_tier": profile.get("tier") if profile else None,
        "account_age_days": (event.time_ms - registered) // DAY_MS if registered is not None else None,
    }


def _amount(change: Change) -> Optional[float]:
    """An order's amount from history: 0.0 when it has none, None when it is not a number (that order is left out)."""
    if change.get("amount") is None:
        return 0.0
    return change.float("amount", None)
