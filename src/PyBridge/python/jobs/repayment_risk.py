"""Lending feature: a repayment-risk score for a loan application, tuned by operator-set parameters.

Triggered by loan applications (key = user id). Fetches the applicant's credit profile as of the
application time and reads the repayment history; ``late_weight`` and the thresholds are parameters
that operators can change while the job runs.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, Iterator

from featureplatform import Consistency, Context, Event, Output, Param, job


@job(
    "repayment_risk",
    triggers="loan_applications",
    consistency=Consistency.FETCH_STRONG,
    params=[
        Param("grace_days", int, default=3, min=0, max=30, description="Days late that still count as on time."),
        Param("late_weight", float, default=0.8, min=0.0, max=5.0, description="Score weight of each late repayment."),
        Param("dti_weight", float, default=2.0, min=0.0, max=10.0, description="Score weight of debt-to-income."),
        Param("review_threshold", float, default=0.4, min=0.0, max=1.0, description="Scores at or above: manual review."),
        Param("decline_threshold", float, default=0.7, min=0.0, max=1.0, description="Scores at or above: decline."),
    ],
    outputs=[
        Output("application_id", str),
        Output("late_repayments", int, "Repayments more than grace_days late in the last 180 days."),
        Output("debt_to_income", float, "Existing debt plus the requested amount over yearly income.", nullable=True),
        Output("risk_score", float, "0 (safe) .. 1 (risky)."),
        Output("decision", str, "approve, review or decline."),
    ],
)
def repayment_risk(event: Event, ctx: Context) -> Iterator[dict[str, Any]]:
    """Scores the application; emits one row per requested product (an application may ask for several)."""
    p = ctx.params
    late = sum(1 for r in ctx.history("repayments", event.key, since=timedelta(days=180))
               if r.get("days_late", 0) > p["grace_days"])
    credit = ctx.fetch("credit_profile", event.key)
    for product in event.get("products") or [event.data]:
        amount = float(product.get("amount", 0.0))
        dti = None
        if credit and credit.get("yearly_income"):
            dti = (float(credit.get("existing_debt", 0.0)) + amount) / float(credit["yearly_income"])
        z = -2.0 + p["late_weight"] * late + p["dti_weight"] * (dti if dti is not None else 1.0)
        score = round(1.0 / (1.0 + math.exp(-z)), 4)
        decision = ("decline" if score >= p["decline_threshold"]
                    else "review" if score >= p["review_threshold"] else "approve")
        yield {
            "application_id": str(product.get("application_id", event.id or event.key)),
            "late_repayments": late,
            "debt_to_income": round(dti, 4) if dti is not None else None,
            "risk_score": score,
            "decision": decision,
        }
