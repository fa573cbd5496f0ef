"""Fault injection rules and the HTTP control channel of the fixture server (see README.md)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hbase_store import FamilySpec

KINDS = ("ioerror", "garbage", "half", "delay", "drop")
DEFAULT_GARBAGE = bytes.fromhex("deadbeef") + b"this-is-not-a-thrift-reply" * 2


class FaultRule:
    """Applies to the next `count` calls (-1 = until cleared) of `method` (None = any method)."""

    def __init__(self, spec, rule_id):
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError("kind must be one of %s" % (KINDS,))
        self.id = rule_id
        self.kind = kind
        self.count = int(spec.get("count", 1))
        self.method = spec.get("method")
        self.delay_ms = int(spec.get("delayMs", 0))
        self.can_retry = bool(spec.get("canRetry", True))
        self.message = spec.get("message") or "injected fault"
        hex_bytes = spec.get("bytesHex")
        self.garbage = bytes.fromhex(hex_bytes) if hex_bytes else DEFAULT_GARBAGE
        self.keep_open = bool(spec.get("keepOpen", False))
        if kind == "delay" and self.delay_ms <= 0:
            raise ValueError("delay needs delayMs > 0")

    def describe(self):
        return {"id": self.id, "kind": self.kind, "remaining": self.count, "method": self.method,
                "delayMs": self.delay_ms, "canRetry": self.can_retry, "message": self.message,
                "bytesHex": self.garbage.hex(), "keepOpen": self.keep_open}


class Faults:
    """Thread-safe rule list plus call statistics."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._next_id = 1
        self.calls = {}
        self.by_table = {}
        self.applied = {}
        self.connections = 0

    def add(self, spec):
        with self._lock:
            rule = FaultRule(spec, self._next_id)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self):
        with self._lock:
            self._rules = []

    def take(self, method, table=None):
        """Counts the call (and its table, if it names one) and returns the first active rule matching it (consuming one use), or None."""
        with self._lock:
            self.calls[method] = self.calls.get(method, 0) + 1
            if table is not None:
                key = method + " " + table.decode("utf-8", "replace")
                self.by_table[key] = self.by_table.get(key, 0) + 1
            if not self._rules:
                return None
            for rule in self._rules:
                if rule.count != 0 and (rule.method is None or rule.method == method):
                    if rule.count > 0:
                        rule.count -= 1
                    self.applied[rule.kind] = self.applied.get(rule.kind, 0) + 1
                    self._rules = [r for r in self._rules if r.count != 0]
                    return rule
            return None

    def connection_opened(self):
        with self._lock:
            self.connections += 1

    def snapshot(self):
        with self._lock:
            return {"calls": dict(self.calls), "callsByTable": dict(self.by_table), "faultsApplied": dict(self.applied),
                    "connections": self.connections, "rules": [r.describe() for r in self._rules]}


def start_control_server(host, port, faults, store):
    """Serves the control API on a daemon thread; returns the bound port."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # keep the log for Thrift traffic and errors
            pass

        def _reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(n) or b"{}")

        def do_GET(self):
            if self.path == "/health":
                self._reply(200, {"ok": True})
            elif self.path == "/stats":
                self._reply(200, faults.snapshot())
            else:
                self._reply(404, {"error": "unknown path"})

        def do_POST(self):
            try:
                body = self._body()
                if self.path == "/faults":
                    self._reply(200, faults.add(body).describe())
                elif self.path == "/faults/clear":
                    faults.clear()
                    self._reply(200, {"ok": True})
                elif self.path == "/tables":
                    families = {f.encode(): FamilySpec(int(s.get("maxVersions", 1)), s.get("ttlSeconds"))
                                for f, s in body["families"].items()}
                    with store.lock:
                        store.declare_table(body["name"].encode(), families)
                    self._reply(200, {"ok": True})
                elif self.path == "/tables/drop":
                    with store.lock:
                        store.drop_table(body["name"].encode())
                    self._reply(200, {"ok": True})
                elif self.path == "/clear":
                    with store.lock:
                        store.clear()
                    self._reply(200, {"ok": True})
                else:
                    self._reply(404, {"error": "unknown path"})
            except (ValueError, KeyError, TypeError) as e:
                self._reply(400, {"error": str(e)})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="control").start()
    return server.server_address[1]
