"""The host-side runner: JSON protocol, errors as data, reload and parameter swaps."""

import json
import marshal
import os
import tempfile
import textwrap
import unittest

from tests._paths import JOBS
from featureplatform._host import JobRunner, NativeDataSource

JOB = """
from featureplatform import job, Output, Param

@job("echo", triggers="s", outputs=[Output("key", str), Output("n", int)],
     params=[Param("factor", int, 2, min=1, max=100)])
def echo(event, ctx):
    state = ctx.fetch("profile", event.key)
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"key": event.key, "n": event["n"] * ctx.params["factor"] + (state or {}).get("bonus", 0)}
"""


def fetch(source, key, as_of_ms, consistency):
    return json.dumps({"bonus": 1}) if key == "k1" else None


def history(source, key, since_ms, until_ms, limit, consistency):
    return "[]"


class FunctionBridge:
    """The .NET host's bridge protocol (packed request in ``Fetch``/``History``, or ``FetchFor``/``HistoryFor`` led by
    the event index when ``Tracked``; JSON in ``Answer``) over two functions."""

    def __init__(self, fetch, history, tracked: bool = False) -> None:
        self._fetch = fetch
        self._history = history
        self.Answer = None
        self.Tracked = tracked
        self.events: list[int] = []

    @property
    def Fetch(self):  # noqa: N802 - the .NET property's name
        raise AttributeError("write-only")

    @Fetch.setter
    def Fetch(self, request: str) -> None:  # noqa: N802
        as_of, consistency, source, key = request.split("\x1f", 3)
        self.Answer = self._fetch(source, key, int(as_of), consistency)

    @property
    def FetchFor(self):  # noqa: N802
        raise AttributeError("write-only")

    @FetchFor.setter
    def FetchFor(self, request: str) -> None:  # noqa: N802
        event, rest = request.split("\x1f", 1)
        self.events.append(int(event))
        self.Fetch = rest

    @property
    def History(self):  # noqa: N802
        raise AttributeError("write-only")

    @History.setter
    def History(self, request: str) -> None:  # noqa: N802
        since, until, limit, consistency, source, key = request.split("\x1f", 5)
        self.Answer = self._history(source, key, int(since), int(until), int(limit), consistency)

    @property
    def HistoryFor(self):  # noqa: N802
        raise AttributeError("write-only")

    @HistoryFor.setter
    def HistoryFor(self, request: str) -> None:  # noqa: N802
        event, rest = request.split("\x1f", 1)
        self.events.append(int(event))
        self.History = rest


class RunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "echo.py")
        self.write(JOB)
        self.runner = JobRunner(self.path, NativeDataSource(FunctionBridge(fetch, history)))
        loaded = json.loads(self.runner.reload())
        self.assertTrue(loaded["ok"])
        self.first_version = loaded["version"]

    def write(self, text: str) -> None:
        with open(self.path, "w") as f:
            f.write(textwrap.dedent(text))

    def call(self, **data: object) -> object:
        return marshal.loads(self.runner.call(json.dumps(["s", "k1", 5, data, None])))

    def test_call_and_batch(self) -> None:
        self.assertEqual(self.call(n=3), [["k1", 7]])
        out = marshal.loads(self.runner.call_batch(json.dumps(
            [["s", k, 5, {"n": 1, "fail": k == "bad"}, None] for k in ["k1", "bad", "k3"]])))
        self.assertEqual(out[0], [["k1", 3]])
        self.assertEqual(out[1]["error"]["type"], "ValueError")
        self.assertEqual(out[1]["error"]["line"], 9)
        self.assertEqual(out[2], [["k3", 2]])

    def test_params_swap_is_validated(self) -> None:
        self.assertTrue(json.loads(self.runner.set_params('{"factor": 10}'))["ok"])
        self.assertEqual(self.call(n=3), [["k1", 31]])
        bad = json.loads(self.runner.set_params('{"factor": 1000}'))
        self.assertFalse(bad["ok"])
        self.assertEqual(self.call(n=3), [["k1", 31]])

    def test_failed_reload_keeps_previous_version(self) -> None:
        self.write(JOB.replace("return {", "return {{"))
        result = json.loads(self.runner.reload())
        self.assertFalse(result["ok"])
        self.assertEqual(self.call(n=1), [["k1", 3]])
        self.write(JOB.replace("* ctx.params", "* 100 * ctx.params"))
        reloaded = json.loads(self.runner.reload())["version"]
        self.assertEqual(len(reloaded), 16)
        self.assertNotEqual(reloaded, self.first_version)
        self.assertEqual(self.call(n=1), [["k1", 201]])

    def test_parameter_set_markers_apply_until_the_next(self) -> None:
        events = [{"p": 1, "v": {"factor": 10}}, ["s", "k1", 1, {"n": 3}, "e1"], ["s", "k2", 1, {"n": 3}, "e2"],
                  {"p": 2, "v": {}}, ["s", "k2", 1, {"n": 3}, "e3"], {"p": 3, "v": {"factor": 1000}}, ["s", "k2", 1, {"n": 3}, "e4"]]
        out = marshal.loads(self.runner.call_batch(json.dumps(events)))
        self.assertEqual(out[0], [["k1", 31]])
        self.assertEqual(out[1], [["k2", 30]])
        self.assertEqual(out[2], [["k2", 6]])  # the defaults
        self.assertEqual(out[3]["error"]["type"], "ValueError")
        self.assertEqual(self.call(n=3), [["k1", 7]])  # the job's own values are untouched

    def test_a_tracked_batch_tells_each_read_its_event_and_an_untracked_one_does_not(self) -> None:
        bridge = FunctionBridge(fetch, history, tracked=True)
        runner = JobRunner(self.path, NativeDataSource(bridge))
        self.assertTrue(json.loads(runner.reload())["ok"])
        batch = json.dumps([["s", k, 5, {"n": 1}, None] for k in ["k1", "k2", "k3"]])
        out = marshal.loads(runner.call_batch(batch))
        self.assertEqual(out, [[["k1", 3]], [["k2", 2]], [["k3", 2]]])
        self.assertEqual(bridge.events, [0, 1, 2])
        bridge.Tracked = False
        self.assertEqual(marshal.loads(runner.call_batch(batch)), out)
        self.assertEqual(bridge.events, [0, 1, 2])  # plain requests: no event index sent

    def test_examples_load(self) -> None:
        for name in ("order_stats_30d.py", "repayment_risk.py"):
            runner = JobRunner(os.path.join(JOBS, name), NativeDataSource(FunctionBridge(fetch, history)))
            self.assertTrue(json.loads(runner.reload())["ok"], name)


class VersionTest(unittest.TestCase):
    """Versions are content hashes of the module and its local library code, independent of where the files are."""

    LIB = "FACTOR = 3\n"
    USER = """
    from featureplatform import job, Output
    import helpers

    @job("user", triggers="s", outputs=[Output("n", int)])
    def user(event, ctx):
        from lazy_helpers import OFFSET
        return {"n": event["n"] * helpers.FACTOR + OFFSET}
    """

    def make(self, lib: str = LIB, lazy: str = "OFFSET = 1\n") -> tuple[str, str]:
        root = tempfile.mkdtemp()
        for name, text in (("user.py", textwrap.dedent(self.USER)), ("helpers.py", lib), ("lazy_helpers.py", lazy)):
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        return root, os.path.join(root, "user.py")

    def load(self, path: str) -> dict:
        runner = JobRunner(path, NativeDataSource(FunctionBridge(fetch, history)))
        answer = json.loads(runner.reload())
        self.assertTrue(answer["ok"], answer)
        self.runner = runner
        return answer

    def test_same_content_elsewhere_is_the_same_version(self) -> None:
        _, a = self.make()
        _, b = self.make()
        first = self.load(a)
        self.assertEqual(first["files"], ["helpers", "lazy_helpers"])
        self.assertEqual(first["version"], self.load(b)["version"])

    def test_library_edits_change_the_version_and_the_code(self) -> None:
        root, path = self.make()
        before = self.load(path)["version"]
        self.assertEqual(self.runner.fingerprint(), before)
        with open(os.path.join(root, "helpers.py"), "w") as f:
            f.write("FACTOR = 5\n")
        self.assertNotEqual(self.runner.fingerprint(), before)
        after = json.loads(self.runner.reload())["version"]
        self.assertNotEqual(after, before)
        self.assertEqual(marshal.loads(self.runner.call(json.dumps(["s", "k", 1, {"n": 2}, None]))), [[11]])
        with open(os.path.join(root, "lazy_helpers.py"), "w") as f:
            f.write("OFFSET = 2\n")
        self.assertNotEqual(json.loads(self.runner.reload())["version"], after)

    def test_unchanged_reload_keeps_the_version(self) -> None:
        _, path = self.make()
        before = self.load(path)["version"]
        self.assertEqual(json.loads(self.runner.reload())["version"], before)


if __name__ == "__main__":
    unittest.main()


class FastCodecTest(unittest.TestCase):
    """The hot path's JSON shortcuts agree with the json module (and fall back to it); outcomes are marshalled."""

    def test_decode_matches_json_for_compact_and_spaced_text(self):
        from featureplatform._host import _decode_fast
        for text in ['{"a":1,"b":[1,2.5,"x"]}', ' {"a": 1} ', '{"a":1}\n', '[]', '"\\u00e9t\\u00e9"', 'null']:
            self.assertEqual(json.loads(text), _decode_fast(text), text)

    def test_decode_rejects_trailing_garbage_like_json(self):
        from featureplatform._host import _decode_fast
        for text in ['{"a":1}x', '{"a":1}{"b":2}', '', '{"a":']:
            with self.assertRaises(json.JSONDecodeError, msg=text):
                _decode_fast(text)

    def test_outcomes_are_marshal_version_4_and_refuse_other_objects(self):
        from featureplatform._host import _encode_outcome
        value = [[["k", 1, 2.5, None, True, "été", 2**40]], {"error": {"type": "ValueError", "line": 3}}, []]
        self.assertEqual(value, marshal.loads(_encode_outcome(value)))
        self.assertEqual(marshal.dumps(value, 4), _encode_outcome(value))
        with self.assertRaises(ValueError):
            _encode_outcome([object()])


class InterruptTest(unittest.TestCase):
    """The watchdog's helpers: a TimeoutError lands in a spinning thread; a cleared one never does."""

    def test_interrupt_raises_timeout_error_in_the_thread_and_clear_drops_a_pending_one(self):
        import threading
        import time
        from featureplatform._host import clear_interrupt, interrupt

        caught = []
        started = threading.Event()

        def spin():
            started.set()
            try:
                while True:
                    pass
            except TimeoutError as exc:
                caught.append(exc)

        thread = threading.Thread(target=spin, daemon=True)
        thread.start()
        started.wait()
        self.assertTrue(interrupt(thread.ident))
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(1, len(caught))

        # A thread blocked in C (the wait) sees an interrupt only when it returns to bytecode: cleared before, never.
        release = threading.Event()
        outcome = []

        def wait():
            started.set()
            try:
                release.wait()
                for _ in range(1000):
                    pass
                outcome.append("finished")
            except TimeoutError:
                outcome.append("interrupted")

        started.clear()
        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        started.wait()
        time.sleep(0.05)
        self.assertTrue(interrupt(thread.ident))
        clear_interrupt(thread.ident)
        release.set()
        thread.join(5)
        self.assertEqual(["finished"], outcome)
