"""The example jobs give the expected outputs on canned point-in-time data."""

import os
import unittest
from datetime import datetime, timedelta, timezone

from tests._paths import JOBS
from featureplatform import Event, FieldTypeError, to_epoch_ms
from featureplatform.testing import InMemoryDataSource, load_job, run_job

T = datetime(2024, 3, 31, tzinfo=timezone.utc)
DAY = timedelta(days=1)


class OrderStatsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.job = load_job(os.path.join(JOBS, "order_stats_30d.py"))
        self.data = InMemoryDataSource()
        for at, amount, status in [(T - 40 * DAY, 100.0, "created"), (T - 20 * DAY, 50.0, "created"),
                                   (T - 10 * DAY, 25.5, "cancelled"), (T - DAY, 10.0, "created"), (T, 30.0, "created")]:
            self.data.add("orders", "u1", at, {"amount": amount, "status": status})
        self.data.add("user_profile", "u1", T - 100 * DAY, {"tier": "silver", "registered_ms": to_epoch_ms(T - 100 * DAY)})
        self.data.add("user_profile", "u1", T + DAY, {"tier": "gold", "registered_ms": to_epoch_ms(T - 100 * DAY)})
        self.event = Event("orders", "u1", to_epoch_ms(T), {"amount": 30.0})

    def test_counts_orders_in_window_and_joins_profile_as_of_event_time(self) -> None:
        rows = run_job(self.job, self.event, self.data)
        self.assertEqual(rows, [{"user_id": "u1", "order_count": 3, "order_amount": 90.0, "avg_order_amount": 30.0,
                                 "user_tier": "silver", "account_age_days": 100}])
        self.assertIn(("fetch", "user_profile", "u1", to_epoch_ms(T), "fetch_strong"), self.data.calls)

    def test_parameters_change_the_window_and_the_filter(self) -> None:
        rows = run_job(self.job, self.event, self.data, params={"min_amount": 20, "window_days": 45})
        self.assertEqual((rows[0]["order_count"], rows[0]["order_amount"], rows[0]["avg_order_amount"]), (3, 180.0, 60.0))

    def test_a_bad_amount_fails_its_own_order_only(self) -> None:
        # The poison value: an order whose amount is not a number, stored before the later ones.
        self.data.add("orders", "u1", T - 2 * DAY, {"amount": "abc", "status": "created"})
        with self.assertRaises(FieldTypeError) as raised:
            run_job(self.job, Event("orders", "u1", to_epoch_ms(T - 2 * DAY), {"amount": "abc"}, id="bad"), self.data)
        self.assertIn("'amount'", str(raised.exception))
        self.assertIn("'abc'", str(raised.exception))
        # A later order of the same user still computes; the bad order is left out of its history.
        rows = run_job(self.job, self.event, self.data)
        self.assertEqual((rows[0]["order_count"], rows[0]["order_amount"]), (3, 90.0))

    def test_unknown_user_has_no_profile(self) -> None:
        rows = run_job(self.job, Event("orders", "u2", to_epoch_ms(T), {}), self.data)
        self.assertEqual(rows, [{"user_id": "u2", "order_count": 0, "order_amount": 0.0, "avg_order_amount": 0.0,
                                 "user_tier": None, "account_age_days": None}])

    def test_out_of_bounds_parameter_is_rejected(self) -> None:
        with self.assertRaisesRegex(ValueError, "window_days.*below the minimum"):
            run_job(self.job, self.event, self.data, params={"window_days": 0})


class RepaymentRiskTest(unittest.TestCase):
    def setUp(self) -> None:
        self.job = load_job(os.path.join(JOBS, "repayment_risk.py"))
        self.data = InMemoryDataSource()
        for days_ago, late in [(200, 10), (60, 5), (30, 0), (10, 2)]:
            self.data.add("repayments", "u1", T - days_ago * DAY, {"days_late": late})
        self.data.add("credit_profile", "u1", T - 5 * DAY, {"yearly_income": 60000, "existing_debt": 12000})

    def event(self, **data: object) -> Event:
        return Event("loan_applications", "u1", to_epoch_ms(T), dict(data), "evt-1")

    def test_scores_with_default_parameters(self) -> None:
        rows = run_job(self.job, self.event(amount=6000, application_id="a1"), self.data)
        self.assertEqual(rows, [{"application_id": "a1", "late_repayments": 1, "debt_to_income": 0.3,
                                 "risk_score": 0.3543, "decision": "approve"}])

    def test_parameter_moves_the_decision(self) -> None:
        rows = run_job(self.job, self.event(amount=6000, application_id="a1"), self.data, params={"late_weight": 2.0})
        self.assertEqual((rows[0]["risk_score"], rows[0]["decision"]), (0.6457, "review"))

    def test_emits_one_row_per_product(self) -> None:
        rows = run_job(self.job, self.event(products=[{"amount": 6000, "application_id": "a1"},
                                                      {"amount": 30000, "application_id": "a2"}]), self.data)
        self.assertEqual([(r["application_id"], r["debt_to_income"], r["risk_score"], r["decision"]) for r in rows],
                         [("a1", 0.3, 0.3543, "approve"), ("a2", 0.7, 0.5498, "review")])

    def test_without_credit_profile_debt_to_income_is_null(self) -> None:
        rows = run_job(self.job, Event("loan_applications", "nobody", to_epoch_ms(T), {"amount": 1000}), self.data)
        self.assertEqual((rows[0]["application_id"], rows[0]["debt_to_income"], rows[0]["late_repayments"]),
                         ("nobody", None, 0))


if __name__ == "__main__":
    unittest.main()
