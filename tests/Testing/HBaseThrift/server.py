#!/usr/bin/python3
"""HBase Thrift2 (THBaseService) test server: in-memory tables, thread per connection, fault injection.

Run with Debian's /usr/bin/python3 (python3-thrift 0.17 + thrift-compiler). See README.md.
"""
import argparse
import os
import pickle
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thriftgen  # noqa: E402


def parse_tables(values):
    """--table entries `[ns:]table:family[:maxVersions[:ttlSeconds]]`, comma separated, repeatable."""
    from hbase_store import FamilySpec
    tables = {}
    for value in values:
        for entry in filter(None, (e.strip() for e in value.split(","))):
            parts = entry.split(":")
            numbers = []
            while len(parts) > 2 and len(numbers) < 2 and parts[-1].isdigit():
                numbers.insert(0, int(parts.pop()))
            if len(parts) < 2:
                raise SystemExit("bad --table entry %r: want [ns:]table:family[:maxVersions[:ttlSeconds]]" % entry)
            family = parts.pop().encode()
            name = ":".join(parts).encode()
            max_versions = numbers[0] if numbers else 1
            ttl = numbers[1] if len(numbers) > 1 and numbers[1] > 0 else None
            tables.setdefault(name, {})[family] = FamilySpec(max_versions, ttl)
    return tables


class FaultingHandler:
    """Wraps the handler: counts calls, raises injected TIOErrors, and remembers the connection fault."""

    def __init__(self, inner, faults, local, tioerror):
        self._inner = inner
        self._faults = faults
        self._local = local
        self._tioerror = tioerror

    def __getattr__(self, name):
        target = getattr(self._inner, name)

        def call(*args):
            rule = self._faults.take(name, args[0] if args and isinstance(args[0], bytes) else None)
            if rule is not None:
                if rule.kind == "ioerror":
                    raise self._tioerror(message=rule.message, canRetry=rule.can_retry)
                self._local.rule = rule
            return target(*args)

        setattr(self, name, call)
        return call


def serve_connection(client, processor, tfactory, pfactory, framed, local, faults, log):
    from thrift.transport import TTransport
    sock = client.handle
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    faults.connection_opened()
    iprot = pfactory.getProtocol(tfactory.getTransport(client))
    try:
        while True:
            out = TTransport.TMemoryBuffer()
            local.rule = None
            processor.process(iprot, pfactory.getProtocol(out))
            reply = out.getvalue()
            wire = struct.pack("!i", len(reply)) + reply if framed else reply
            rule = local.rule
            if rule is None:
                sock.sendall(wire)
                continue
            log("fault %s applied (rule %d)" % (rule.kind, rule.id))
            if rule.kind == "delay":
                time.sleep(rule.delay_ms / 1000.0)
                sock.sendall(wire)
            elif rule.kind == "garbage":
                sock.sendall(rule.garbage)
                if not rule.keep_open:
                    break
            elif rule.kind == "half":
                sock.sendall(wire[:max(1, len(wire) // 2)])
                break
            elif rule.kind == "drop":
                break
    except TTransport.TTransportException:
        pass
    except OSError as e:
        log("connection error: %s" % e)
    except Exception as e:  # a malformed request: log and drop the connection, as HBase does
        log("connection dropped after %s: %s" % (type(e).__name__, e))
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9090)
    ap.add_argument("--transport", choices=("buffered", "framed"), default="buffered")
    ap.add_argument("--protocol", choices=("binary", "compact"), default="binary")
    ap.add_argument("--server", choices=("threaded",), default="threaded")
    ap.add_argument("--table", action="append", default=[],
                    help="[ns:]table:family[:maxVersions[:ttlSeconds]],... (repeatable)")
    ap.add_argument("--auto-create", choices=("on", "off"),
                    help="create tables on first write (default: on unless --table is given)")
    ap.add_argument("--default-max-versions", type=int, default=1,
                    help="versions kept by families of auto-created tables (HBase 2 default: 1)")
    ap.add_argument("--scanner-timeout-ms", type=int, default=60000)
    ap.add_argument("--discard-writes", action="store_true",
                    help="benchmark sink: put/putMultiple are decoded and acknowledged but not stored")
    ap.add_argument("--control-port", type=int, default=0, help="HTTP control port (0 = any free port)")
    ap.add_argument("--gen-dir", help="directory with (or for) the generated Python code")
    ap.add_argument("--state-file",
                    help="keep the data across restarts: loaded at start if present, saved on SIGTERM "
                         "(a restarted Thrift gateway in front of the same region servers)")
    args = ap.parse_args()

    thriftgen.ensure(args.gen_dir)
    from thrift.protocol import TBinaryProtocol, TCompactProtocol
    from thrift.transport import TSocket, TTransport
    from hbase_thrift2 import THBaseService
    from hbase_thrift2.ttypes import TIOError
    import faults as faults_mod
    from hbase_handler import HBaseHandler
    from hbase_store import Store

    tables = parse_tables(args.table)
    auto = args.auto_create == "on" if args.auto_create else not tables
    store = Store(auto_create=auto, default_max_versions=args.default_max_versions)
    for name, families in tables.items():
        store.declare_table(name, families)
    if args.state_file and os.path.exists(args.state_file):
        with open(args.state_file, "rb") as f:
            store.tables = pickle.load(f)
    handler = HBaseHandler(store, scanner_timeout_ms=args.scanner_timeout_ms, discard_writes=args.discard_writes)
    faults = faults_mod.Faults()
    local = threading.local()
    processor = THBaseService.Processor(FaultingHandler(handler, faults, local, TIOError))
    framed = args.transport == "framed"
    tfactory = TTransport.TFramedTransportFactory() if framed else TTransport.TBufferedTransportFactory()
    if args.protocol == "binary":
        pfactory = TBinaryProtocol.TBinaryProtocolAcceleratedFactory()
    else:
        pfactory = TCompactProtocol.TCompactProtocolAcceleratedFactory()

    log_lock = threading.Lock()

    def log(msg):
        with log_lock:
            print("%s %s" % (time.strftime("%H:%M:%S"), msg), flush=True)

    control_port = faults_mod.start_control_server(args.host, args.control_port, faults, store)
    server_socket = TSocket.TServerSocket(host=args.host, port=args.port)
    server_socket.listen()
    port = server_socket.handle.getsockname()[1]
    def stop(*_):
        if args.state_file:
            with store.lock:
                with open(args.state_file + ".tmp", "wb") as f:
                    pickle.dump(store.tables, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(args.state_file + ".tmp", args.state_file)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    log("hbase thrift2 fixture: transport=%s protocol=%s auto-create=%s discard-writes=%s tables=%s"
        % (args.transport, args.protocol, auto, args.discard_writes, sorted(t.decode() for t in tables)))
    print("CONTROL %d" % control_port, flush=True)
    print("READY %d" % port, flush=True)
    while True:
        client = server_socket.accept()
        if client is None:
            continue
        threading.Thread(target=serve_connection, daemon=True,
                         args=(client, processor, tfactory, pfactory, framed, local, faults, log)).start()


if __name__ == "__main__":
    main()
