#!/usr/bin/python3
"""putMultiple throughput of Python's own Thrift client (C-accelerated codec) against a THBaseService.

Prints one JSON object: the same-run baseline for the C# client's putMultiple benchmark.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thrift_client  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    thrift_client.add_arguments(ap)
    ap.add_argument("--table", default="bench:events")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--columns", type=int, default=4)
    ap.add_argument("--value-bytes", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--family", default="e")
    args = ap.parse_args()

    client, transport = thrift_client.connect(args)
    from hbase_thrift2.ttypes import TColumnValue, TPut
    table = args.table.encode()
    family = args.family.encode()
    qualifiers = [("c%d" % i).encode() for i in range(args.columns)]
    value = b"v" * args.value_bytes
    seconds_building = 0.0
    started = time.perf_counter()
    for first in range(0, args.rows, args.batch):
        t0 = time.perf_counter()
        puts = [TPut(row=b"%016d" % r, columnValues=[TColumnValue(family=family, qualifier=q, value=value)
                                                       for q in qualifiers])
                for r in range(first, min(first + args.batch, args.rows))]
        seconds_building += time.perf_counter() - t0
        client.putMultiple(table, puts)
    seconds = time.perf_counter() - started
    transport.close()
    print(json.dumps({
        "client": "python-thrift-accelerated", "transport": args.transport, "protocol": args.protocol,
        "rows": args.rows, "columns": args.columns, "valueBytes": args.value_bytes, "batch": args.batch,
        "seconds": round(seconds, 4), "rowsPerSecond": round(args.rows / seconds, 1),
        "cellsPerSecond": round(args.rows * args.columns / seconds, 1),
        "secondsBuildingPuts": round(seconds_building, 4)}))


if __name__ == "__main__":
    main()
