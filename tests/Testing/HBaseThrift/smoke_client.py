#!/usr/bin/python3
"""Python's own Thrift client against the fixture: round trips and single calls, results as JSON.

Modes:
  roundtrip --table T        put/get/scan/delete/checkAndPut/... checks; exit 0 and {"ok": true, ...}
  put --table T --row R --value V
  get --table T --row R      prints {"outcome": "ok", "value": V or null, ...}
  call --table T             one get; prints the outcome (ok, TIOError + canRetry, transport/protocol error)
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thrift_client  # noqa: E402


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def roundtrip(client, t):
    from hbase_thrift2.ttypes import (TColumn, TColumnValue, TDelete, TDeleteType, TGet, TIllegalArgument,
                                      TPut, TScan, TTimeRange)
    f = b"e"
    cv = lambda q, v, ts=None: TColumnValue(family=f, qualifier=q, value=v, timestamp=ts)  # noqa: E731
    n = 0

    client.put(t, TPut(row=b"r1", columnValues=[cv(b"a", b"1"), cv(b"b", b"\x00\xff")]))
    r = client.get(t, TGet(row=b"r1"))
    check(r.row == b"r1" and [(c.qualifier, c.value) for c in r.columnValues] == [(b"a", b"1"), (b"b", b"\x00\xff")],
          "get after put: %r" % r)
    check(all(c.timestamp and c.timestamp > 1_500_000_000_000 for c in r.columnValues), "server timestamps")
    n += 1

    missing = client.get(t, TGet(row=b"nope"))
    check(missing.row is None and missing.columnValues == [], "missing row is an empty result")
    check(client.exists(t, TGet(row=b"r1")) and not client.exists(t, TGet(row=b"nope")), "exists")
    n += 2

    client.putMultiple(t, [TPut(row=b"v", columnValues=[cv(b"q", b"old", 100)]),
                           TPut(row=b"v", columnValues=[cv(b"q", b"new", 200)], timestamp=999)])
    r = client.get(t, TGet(row=b"v", maxVersions=5))
    check([(c.value, c.timestamp) for c in r.columnValues] == [(b"new", 200)],
          "auto-created family keeps 1 version: %r" % r)
    r = client.get(t, TGet(row=b"v", timeRange=TTimeRange(minStamp=0, maxStamp=200)))
    check(r.columnValues == [], "half-open range excludes maxStamp")
    n += 2

    rows = [b"s\x01", b"s\x7f", b"s\x80", b"s\xff"]
    client.putMultiple(t, [TPut(row=k, columnValues=[cv(b"x", k)]) for k in rows])
    sid = client.openScanner(t, TScan(startRow=b"s", stopRow=b"t", caching=2))
    got = []
    while True:
        batch = client.getScannerRows(sid, 3)
        if not batch:
            break
        got.extend(x.row for x in batch)
    client.closeScanner(sid)
    check(got == rows, "scan in unsigned byte order: %r" % got)
    rev = client.getScannerResults(t, TScan(startRow=b"s\xff", stopRow=b"s\x01", reversed=True), 10)
    check([x.row for x in rev] == [b"s\xff", b"s\x80", b"s\x7f"], "reversed scan: %r" % [x.row for x in rev])
    limited = client.getScannerResults(t, TScan(startRow=b"s", stopRow=b"t", limit=2), 10)
    check([x.row for x in limited] == rows[:2], "scan limit")
    try:
        client.getScannerRows(sid, 1)
        check(False, "closed scanner id must raise TIllegalArgument")
    except TIllegalArgument:
        pass
    n += 4

    multi = client.getMultiple(t, [TGet(row=b"r1", columns=[TColumn(family=f, qualifier=b"b")]), TGet(row=b"nope")])
    check(len(multi) == 2 and [c.qualifier for c in multi[0].columnValues] == [b"b"] and multi[1].columnValues == [],
          "getMultiple with column selection")
    n += 1

    client.deleteSingle(t, TDelete(row=b"r1", columns=[TColumn(family=f, qualifier=b"a")]))
    r = client.get(t, TGet(row=b"r1"))
    check([c.qualifier for c in r.columnValues] == [b"b"], "column delete")
    failed = client.deleteMultiple(t, [TDelete(row=b"r1"), TDelete(row=b"v", deleteType=TDeleteType.DELETE_COLUMN,
                                                                  columns=[TColumn(family=f, qualifier=b"q")])])
    check(failed == [], "deleteMultiple returns no failures")
    check(client.get(t, TGet(row=b"r1")).columnValues == [] and client.get(t, TGet(row=b"v")).columnValues == [],
          "row deletes")
    n += 3

    ok = client.checkAndPut(t, b"c", f, b"q", None, TPut(row=b"c", columnValues=[cv(b"q", b"1")]))
    again = client.checkAndPut(t, b"c", f, b"q", None, TPut(row=b"c", columnValues=[cv(b"q", b"2")]))
    swap = client.checkAndPut(t, b"c", f, b"q", b"1", TPut(row=b"c", columnValues=[cv(b"q", b"3")]))
    wrong = client.checkAndPut(t, b"c", f, b"q", b"1", TPut(row=b"c", columnValues=[cv(b"q", b"4")]))
    value = client.get(t, TGet(row=b"c")).columnValues[0].value
    check((ok, again, swap, wrong, value) == (True, False, True, False, b"3"), "checkAndPut")
    n += 1
    return n


def classify(e):
    from hbase_thrift2.ttypes import TIllegalArgument, TIOError
    out = {"outcome": type(e).__name__, "message": str(e)}
    if isinstance(e, TIOError):
        out["message"] = e.message
        out["canRetry"] = e.canRetry
    elif isinstance(e, TIllegalArgument):
        out["message"] = e.message
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    thrift_client.add_arguments(ap)
    ap.add_argument("mode", choices=("roundtrip", "put", "get", "call"))
    ap.add_argument("--table", required=True)
    ap.add_argument("--row", default="row")
    ap.add_argument("--value", default="value")
    args = ap.parse_args()

    started = time.monotonic()
    result = {}
    try:
        client, transport = thrift_client.connect(args)
        from hbase_thrift2.ttypes import TColumnValue, TGet, TPut
        table = args.table.encode()
        if args.mode == "roundtrip":
            result = {"outcome": "ok", "checks": roundtrip(client, table)}
        elif args.mode == "put":
            client.put(table, TPut(row=args.row.encode(),
                                   columnValues=[TColumnValue(family=b"e", qualifier=b"q", value=args.value.encode())]))
            result = {"outcome": "ok"}
        else:
            r = client.get(table, TGet(row=args.row.encode()))
            value = r.columnValues[0].value.decode() if r.columnValues else None
            result = {"outcome": "ok", "value": value}
        transport.close()
    except CheckFailed as e:
        result = {"outcome": "CheckFailed", "message": str(e)}
    except Exception as e:  # the fault tests want to see what Python's client makes of a bad reply
        result = classify(e)
    result["elapsedMs"] = int((time.monotonic() - started) * 1000)
    print(json.dumps(result))
    return 0 if result["outcome"] == "ok" or args.mode == "call" else 1


if __name__ == "__main__":
    sys.exit(main())
