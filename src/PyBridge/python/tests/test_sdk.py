"""The SDK's declaration checks, row checks, canned data source and module loader."""

import os
import tempfile
import textwrap
import unittest

from tests._paths import ROOT  # noqa: F401 - puts the SDK on sys.path
from featureplatform import (Event, JobDefinitionError, Output, Param, ResultShapeError, job, job_of)
from featureplatform.testing import InMemoryDataSource, load_job, run_job

THIS_FILE = os.path.abspath(__file__)


class DeclarationTest(unittest.TestCase):
    def test_valid_declaration_is_attached_to_the_function(self) -> None:
        @job("j", triggers=["a", "b"], outputs=[Output("x", int)], params=[Param("p", float, 0.5, min=0, max=1)])
        def logic(event, ctx):
            """Doc."""
            return {"x": 1}

        spec = job_of(logic)
        self.assertIsNotNone(spec)
        assert spec is not None
        self.assertEqual([t.source for t in spec.triggers], ["a", "b"])
        self.assertEqual(spec.description, "Doc.")
        self.assertEqual(spec.to_json()["params"][0]["max"], 1)

    def test_several_trigger_sources_default_to_fetch_strong(self) -> None:
        from featureplatform import Consistency

        def declare(triggers, **kwargs):
            @job("j", triggers=triggers, outputs=[Output("x", int)], **kwargs)
            def logic(event, ctx):
                return None
            spec = job_of(logic)
            assert spec is not None
            return spec.consistency

        self.assertEqual(declare(["a", "b"]), Consistency.FETCH_STRONG)
        self.assertEqual(declare(["a", "a"]), Consistency.EVENTUAL)
        self.assertEqual(declare("a"), Consistency.EVENTUAL)
        self.assertEqual(declare(["a", "b"], consistency="trigger_strong"), Consistency.TRIGGER_STRONG)

    def test_bad_parameter_default_names_the_decorator_line(self) -> None:
        with self.assertRaises(JobDefinitionError) as caught:
            job("j", triggers="a", outputs=[Output("x", int)], params=[Param("p", int, 50, min=0, max=10)])  # line A
        self.assertEqual(caught.exception.file, THIS_FILE)
        self.assertIn("above the maximum", caught.exception.reason)
        self.assertIn(f"{THIS_FILE}:{caught.exception.line}:", str(caught.exception))

    def test_bad_parameter_type_and_bounds(self) -> None:
        for param, text in [(Param("p", list, []), "type must be"), (Param("p", str, "a", min=1), "bounds only apply"),
                            (Param("p", int, 1.5), "not a finite int"), (Param("1p", int, 1), "valid identifier"),
                            (Param("p", int, 1, min=5, max=2), "greater than max")]:
            with self.subTest(text), self.assertRaisesRegex(JobDefinitionError, text):
                job("j", triggers="a", outputs=[Output("x", int)], params=[param])

    def test_wrong_signature_names_the_function(self) -> None:
        with self.assertRaisesRegex(JobDefinitionError, r"must take exactly two arguments"):
            @job("j", triggers="a", outputs=[Output("x", int)])
            def logic(event):
                return None

    def test_missing_outputs_or_triggers(self) -> None:
        with self.assertRaisesRegex(JobDefinitionError, "at least one output"):
            job("j", triggers="a", outputs=[])
        with self.assertRaisesRegex(JobDefinitionError, "at least one trigger"):
            job("j", triggers=[], outputs=[Output("x", int)])


@job("shapes", triggers="a", outputs=[Output("x", int), Output("y", float, nullable=True)])
def shapes(event, ctx):
    return event.data["result"]


class RequestSourceTest(unittest.TestCase):
    def test_calls_are_events_of_calls_job_unless_declared_and_never_of_a_trigger(self):
        @job("counted", triggers="orders", outputs=[Output("n", int)])
        def counted(event, ctx):
            return None

        self.assertEqual("calls.counted", job_of(counted).to_json()["requests"])

        @job("declared", triggers="orders", requests="asks.declared", outputs=[Output("n", int)])
        def declared(event, ctx):
            return None

        self.assertEqual("asks.declared", job_of(declared).to_json()["requests"])
        with self.assertRaises(JobDefinitionError) as refused:
            job("bad", triggers=["orders", "payments"], requests="payments", outputs=[Output("n", int)])
        self.assertIn("a source of their own", str(refused.exception))


class RowsTest(unittest.TestCase):
    def run_with(self, result: object) -> list:
        return run_job(shapes, Event("a", "k", 0, {"result": result}))

    def test_accepted_shapes(self) -> None:
        self.assertEqual(self.run_with(None), [])
        self.assertEqual(self.run_with({"x": 1, "y": 2}), [{"x": 1, "y": 2.0}])
        self.assertEqual(self.run_with([{"x": 1, "y": None}, {"x": 2, "y": 0.5}]), [{"x": 1, "y": None}, {"x": 2, "y": 0.5}])

    def test_wrong_shapes_are_explained(self) -> None:
        for result, text in [(5, "returned int"), ([{"x": 1}], r"missing \['y'\]"), ({"x": 1, "y": 1, "z": 2}, r"unknown \['z'\]"),
                             ({"x": "1", "y": 1}, "output 'x' is str"), ({"x": None, "y": 1}, "not declared nullable"),
                             ([1], "row 0 is int"), ({"x": True, "y": 1}, "output 'x' is bool")]:
            with self.subTest(text), self.assertRaisesRegex(ResultShapeError, text):
                self.run_with(result)


class DataSourceTest(unittest.TestCase):
    def test_fetch_is_point_in_time_and_history_is_bounded(self) -> None:
        data = InMemoryDataSource().add("s", "k", 10, {"v": 1}).add("s", "k", 20, {"v": 2}).add("s", "k", 30, None)
        self.assertIsNone(data.fetch("s", "k", 9, "eventual"))
        self.assertEqual(data.fetch("s", "k", 20, "eventual"), {"v": 2})
        self.assertIsNone(data.fetch("s", "k", 31, "eventual"))
        self.assertEqual([c.time_ms for c in data.history("s", "k", 10, 20, 10)], [10, 20])
        self.assertEqual([c.time_ms for c in data.history("s", "k", 0, 100, 1)], [10])


class LoaderTest(unittest.TestCase):
    def write(self, text: str) -> str:
        handle, path = tempfile.mkstemp(suffix=".py")
        with os.fdopen(handle, "w") as f:
            f.write(textwrap.dedent(text))
        self.addCleanup(os.remove, path)
        return path

    def test_syntax_error_names_file_and_line(self) -> None:
        path = self.write("x = 1\ndef broken(:\n")
        with self.assertRaises(JobDefinitionError) as caught:
            load_job(path)
        self.assertEqual((caught.exception.file, caught.exception.line), (path, 2))

    def test_module_without_job(self) -> None:
        with self.assertRaisesRegex(JobDefinitionError, "no job declared"):
            load_job(self.write("def logic(event, ctx):\n    return None\n"))

    def test_import_time_exception_names_the_line(self) -> None:
        path = self.write("import featureplatform\n\nraise RuntimeError('boom')\n")
        with self.assertRaises(JobDefinitionError) as caught:
            load_job(path)
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("RuntimeError", caught.exception.reason)

    def test_two_jobs_in_one_module(self) -> None:
        path = self.write("""
            from featureplatform import job, Output
            @job("a", triggers="s", outputs=[Output("x", int)])
            def a(event, ctx): return None
            @job("b", triggers="s", outputs=[Output("x", int)])
            def b(event, ctx): return None
            """)
        with self.assertRaisesRegex(JobDefinitionError, "one job per module") as caught:
            load_job(path)
        self.assertEqual(caught.exception.line, 5)


if __name__ == "__main__":
    unittest.main()


class LookAheadTests(unittest.TestCase):
    """Reads after the event's time are refused: logic gives the same answer live, in replays and on calls."""

    def test_fetch_and_history_after_the_event_time_raise(self) -> None:
        from featureplatform import Context, Event, LookAheadError

        class Source:
            def fetch(self, source, key, as_of_ms, consistency):
                return {"as_of": as_of_ms}

            def history(self, source, key, since_ms, until_ms, limit, consistency):
                return []

        ctx = Context(Event("orders", "u1", 1_000), {}, Source())
        self.assertEqual({"as_of": 1_000}, ctx.fetch("profiles", "u1"))
        self.assertEqual({"as_of": 999}, ctx.fetch("profiles", "u1", as_of=999))
        with self.assertRaises(LookAheadError):
            ctx.fetch("profiles", "u1", as_of=1_001)
        with self.assertRaises(LookAheadError):
            ctx.history("orders", "u1", since=0, until=5_000)


class TypedAccessorTest(unittest.TestCase):
    def test_event_accessors_convert_or_name_the_field_and_value(self) -> None:
        from decimal import Decimal
        from featureplatform import Change, Event, FieldTypeError
        e = Event("orders", "u1", 1, {"amount": "12.50", "n": 3, "name": "x", "ok": True, "bad": "abc", "flag": 1}, id="o1")
        self.assertEqual(e.decimal("amount"), Decimal("12.50"))
        self.assertEqual(e.int("n"), 3)
        self.assertEqual(e.float("amount"), 12.5)
        self.assertEqual(e.str("name"), "x")
        self.assertTrue(e.bool("ok"))
        self.assertIsNone(e.decimal("missing", None))
        for read in (lambda: e.decimal("bad"), lambda: e.int("amount"), lambda: e.str("n"), lambda: e.bool("flag"), lambda: e.int("missing")):
            with self.assertRaises(FieldTypeError):
                read()
        with self.assertRaises(FieldTypeError) as raised:
            e.decimal("bad", Decimal(0))  # on the triggering event a default never hides a bad value
        self.assertEqual(str(raised.exception), "field 'bad' of event o1 of orders (key u1) must be a decimal, got 'abc'")
        self.assertEqual(Change(5, {"amount": "abc"}).decimal("amount", None), None)  # in history it does
        with self.assertRaises(FieldTypeError):
            Change(5, {"amount": "abc"}).decimal("amount")
