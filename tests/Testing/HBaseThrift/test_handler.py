"""Handler semantics of the fixture (no sockets): /usr/bin/python3 -m unittest -v test_handler

Set HBASE_THRIFT_GEN_DIR to reuse already generated code; otherwise it is generated into a temp dir.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thriftgen  # noqa: E402

thriftgen.ensure(os.environ.get("HBASE_THRIFT_GEN_DIR"))

from hbase_handler import HBaseHandler  # noqa: E402
from hbase_store import FamilySpec, Store  # noqa: E402
from hbase_thrift2.ttypes import (TColumn, TColumnValue, TDelete, TDeleteType, TGet, TIllegalArgument,  # noqa: E402
                                  TIOError, TPut, TScan, TTimeRange)

T = b"ns:tbl"
F = b"f"


class Clock:
    def __init__(self, now=1_700_000_000_000):
        self.now = now

    def __call__(self):
        return self.now


def cv(q, v, ts=None, f=F):
    return TColumnValue(family=f, qualifier=q, value=v, timestamp=ts)


def cells(result):
    return [(c.family, c.qualifier, c.timestamp, c.value) for c in result.columnValues]


class HandlerTest(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        store = Store(auto_create=False)
        store.declare_table(T, {F: FamilySpec(max_versions=3), b"g": FamilySpec(1),
                                b"ttl": FamilySpec(5, ttl_seconds=60)})
        self.h = HBaseHandler(store, clock=self.clock)

    def put(self, row, *cvs, ts=None):
        self.h.put(T, TPut(row=row, columnValues=list(cvs), timestamp=ts))

    # ---- tables and families --------------------------------------------------------------------

    def test_unknown_table_raises_tioerror_not_retriable(self):
        with self.assertRaises(TIOError) as e:
            self.h.get(b"missing", TGet(row=b"r"))
        self.assertIn("TableNotFoundException", e.exception.message)
        self.assertFalse(e.exception.canRetry)
        with self.assertRaises(TIOError):
            self.h.put(b"missing", TPut(row=b"r", columnValues=[cv(b"q", b"v")]))

    def test_unknown_family_of_declared_table_raises(self):
        with self.assertRaises(TIOError) as e:
            self.put(b"r", cv(b"q", b"v", f=b"nope"))
        self.assertIn("NoSuchColumnFamilyException", e.exception.message)

    def test_auto_create_on_first_put_only(self):
        h = HBaseHandler(Store(auto_create=True), clock=self.clock)
        with self.assertRaises(TIOError):
            h.get(b"a:b", TGet(row=b"r"))
        h.put(b"a:b", TPut(row=b"r", columnValues=[cv(b"q", b"v")]))
        self.assertEqual(cells(h.get(b"a:b", TGet(row=b"r"))), [(F, b"q", self.clock.now, b"v")])

    def test_empty_put_and_empty_row_are_refused(self):
        with self.assertRaises(TIOError):
            self.put(b"r")
        with self.assertRaises(TIOError):
            self.put(b"", cv(b"q", b"v"))

    # ---- versions and time ranges ---------------------------------------------------------------

    def test_versions_newest_first_and_trimmed_to_family_max(self):
        for ts in (10, 40, 20, 30):
            self.put(b"r", cv(b"q", b"v%d" % ts, ts))
        r = self.h.get(T, TGet(row=b"r", maxVersions=10))
        self.assertEqual([c[2] for c in cells(r)], [40, 30, 20])  # family keeps 3
        self.assertEqual([c[2] for c in cells(self.h.get(T, TGet(row=b"r")))], [40])  # default 1
        self.assertEqual([c[2] for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=2)))], [40, 30])

    def test_same_timestamp_overwrites(self):
        self.put(b"r", cv(b"q", b"a", 5))
        self.put(b"r", cv(b"q", b"b", 5))
        self.assertEqual(cells(self.h.get(T, TGet(row=b"r", maxVersions=3))), [(F, b"q", 5, b"b")])

    def test_put_timestamp_defaults(self):
        self.put(b"r", cv(b"a", b"1"), cv(b"b", b"2", 7), ts=99)
        self.put(b"s", cv(b"a", b"1"))
        self.assertEqual(cells(self.h.get(T, TGet(row=b"r"))), [(F, b"a", 99, b"1"), (F, b"b", 7, b"2")])
        self.assertEqual(cells(self.h.get(T, TGet(row=b"s")))[0][2], self.clock.now)

    def test_time_range_half_open_and_timestamp_overrides_range(self):
        for ts in (10, 20, 30):
            self.put(b"r", cv(b"q", b"v%d" % ts, ts))
        got = self.h.get(T, TGet(row=b"r", maxVersions=5, timeRange=TTimeRange(minStamp=10, maxStamp=30)))
        self.assertEqual([c[2] for c in cells(got)], [20, 10])
        got = self.h.get(T, TGet(row=b"r", maxVersions=5, timestamp=30,
                                 timeRange=TTimeRange(minStamp=0, maxStamp=15)))
        self.assertEqual([c[2] for c in cells(got)], [30])
        with self.assertRaises(TIOError):
            self.h.get(T, TGet(row=b"r", timeRange=TTimeRange(minStamp=5, maxStamp=1)))

    def test_column_selection_family_and_qualifier(self):
        self.put(b"r", cv(b"a", b"1"), cv(b"b", b"2"), cv(b"x", b"3", f=b"g"))
        got = self.h.get(T, TGet(row=b"r", columns=[TColumn(family=b"g"), TColumn(family=F, qualifier=b"b")]))
        self.assertEqual([(c[0], c[1]) for c in cells(got)], [(F, b"b"), (b"g", b"x")])
        missing = self.h.get(T, TGet(row=b"nope"))
        self.assertIsNone(missing.row)
        self.assertEqual(missing.columnValues, [])
        self.assertTrue(self.h.exists(T, TGet(row=b"r")))
        self.assertFalse(self.h.exists(T, TGet(row=b"r", columns=[TColumn(family=F, qualifier=b"zz")])))

    def test_ttl_hides_expired_cells(self):
        self.put(b"r", cv(b"q", b"old", self.clock.now - 61_000, f=b"ttl"), cv(b"q", b"new", self.clock.now, f=b"ttl"))
        self.assertEqual([c[3] for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=5)))], [b"new"])
        self.clock.now += 60_001
        self.assertEqual(self.h.get(T, TGet(row=b"r")).columnValues, [])

    # ---- deletes --------------------------------------------------------------------------------

    def test_delete_column_removes_latest_or_exact_version(self):
        for ts in (1, 2, 3):
            self.put(b"r", cv(b"q", b"v", ts))
        col = [TColumn(family=F, qualifier=b"q")]
        self.h.deleteSingle(T, TDelete(row=b"r", columns=col, deleteType=TDeleteType.DELETE_COLUMN))
        self.assertEqual([c[2] for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=5)))], [2, 1])
        self.h.deleteSingle(T, TDelete(row=b"r", deleteType=TDeleteType.DELETE_COLUMN,
                                       columns=[TColumn(family=F, qualifier=b"q", timestamp=1)]))
        self.assertEqual([c[2] for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=5)))], [2])

    def test_delete_columns_all_versions_or_up_to_timestamp(self):
        for ts in (1, 2, 3):
            self.put(b"r", cv(b"q", b"v", ts), cv(b"k", b"v", ts))
        self.h.deleteSingle(T, TDelete(row=b"r", columns=[TColumn(family=F, qualifier=b"q", timestamp=2)]))
        self.assertEqual([(c[1], c[2]) for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=5)))],
                         [(b"k", 3), (b"k", 2), (b"k", 1), (b"q", 3)])
        self.h.deleteSingle(T, TDelete(row=b"r", columns=[TColumn(family=F, qualifier=b"k")]))
        self.assertEqual([(c[1], c[2]) for c in cells(self.h.get(T, TGet(row=b"r", maxVersions=5)))], [(b"q", 3)])

    def test_delete_whole_row_and_row_up_to_timestamp(self):
        self.put(b"r", cv(b"a", b"1", 5), cv(b"b", b"2", 10), cv(b"x", b"3", 7, f=b"g"))
        self.h.deleteSingle(T, TDelete(row=b"r", timestamp=7))
        self.assertEqual([(c[1], c[2]) for c in cells(self.h.get(T, TGet(row=b"r")))], [(b"b", 10)])
        self.assertEqual(self.h.deleteMultiple(T, [TDelete(row=b"r"), TDelete(row=b"absent")]), [])
        self.assertEqual(self.h.get(T, TGet(row=b"r")).columnValues, [])
        self.assertEqual(self.h.getScannerResults(T, TScan(), 10), [])

    def test_delete_family(self):
        self.put(b"r", cv(b"a", b"1"), cv(b"x", b"3", f=b"g"))
        self.h.deleteSingle(T, TDelete(row=b"r", columns=[TColumn(family=F)]))
        self.assertEqual([c[0] for c in cells(self.h.get(T, TGet(row=b"r")))], [b"g"])

    # ---- checkAndPut ----------------------------------------------------------------------------

    def test_check_and_put(self):
        p = lambda v: TPut(row=b"r", columnValues=[cv(b"q", v)])  # noqa: E731
        self.assertTrue(self.h.checkAndPut(T, b"r", F, b"q", None, p(b"1")))
        self.assertFalse(self.h.checkAndPut(T, b"r", F, b"q", None, p(b"2")))
        self.assertFalse(self.h.checkAndPut(T, b"r", F, b"q", b"x", p(b"2")))
        self.assertTrue(self.h.checkAndPut(T, b"r", F, b"q", b"1", p(b"2")))
        self.assertEqual(cells(self.h.get(T, TGet(row=b"r")))[0][3], b"2")
        with self.assertRaises(TIOError):
            self.h.checkAndPut(T, b"other", F, b"q", None, p(b"3"))

    # ---- scans ----------------------------------------------------------------------------------

    def fill(self, keys):
        self.h.putMultiple(T, [TPut(row=k, columnValues=[cv(b"q", k)]) for k in keys])

    def scan_all(self, tscan, n=2):
        sid = self.h.openScanner(T, tscan)
        rows = []
        while True:
            batch = self.h.getScannerRows(sid, n)
            if not batch:
                break
            rows.extend(r.row for r in batch)
        self.h.closeScanner(sid)
        return rows

    def test_scan_order_is_unsigned_bytes(self):
        keys = [b"\xff", b"\x00", b"\x7f", b"\x80", b"\x01\x00", b"\x01"]
        self.fill(keys)
        self.assertEqual(self.scan_all(TScan()), sorted(keys))
        self.assertEqual(sorted(keys)[-1], b"\xff")

    def test_scan_bounds_limit_and_reversed(self):
        keys = [b"a", b"b", b"c", b"d", b"e"]
        self.fill(keys)
        self.assertEqual(self.scan_all(TScan(startRow=b"b", stopRow=b"d")), [b"b", b"c"])
        self.assertEqual(self.scan_all(TScan(startRow=b"b", limit=2), n=1), [b"b", b"c"])
        self.assertEqual(self.scan_all(TScan(reversed=True)), [b"e", b"d", b"c", b"b", b"a"])
        self.assertEqual(self.scan_all(TScan(startRow=b"d", stopRow=b"a", reversed=True)), [b"d", b"c", b"b"])
        self.assertEqual(self.scan_all(TScan(startRow=b"cc", reversed=True)), [b"c", b"b", b"a"])
        self.assertEqual([r.row for r in self.h.getScannerResults(T, TScan(startRow=b"c"), 2)], [b"c", b"d"])

    def test_scans_after_writes_deletes_and_rewrites_list_each_live_row_once_in_order(self):
        import random
        rnd = random.Random(7)
        live = set()
        for step in range(400):
            # Few keys at a time (merged one by one) and many at once (merged by a sort), rows dropped and written again.
            batch = [bytes([rnd.randrange(256), rnd.randrange(256)]) for _ in range(rnd.choice((1, 3, 100)))]
            self.fill(batch)
            live.update(batch)
            for key in rnd.sample(sorted(live), min(len(live), rnd.choice((0, 1, 30)))):
                self.h.deleteSingle(T, TDelete(row=key))
                live.discard(key)
            if step % 7 == 0:
                self.assertEqual(self.scan_all(TScan()), sorted(live))
                self.assertEqual(self.scan_all(TScan(reversed=True)), sorted(live, reverse=True))
        self.assertEqual(self.scan_all(TScan()), sorted(live))

    def test_scan_sees_versions_time_range_and_batch(self):
        for ts in (1, 2, 3):
            self.put(b"r", cv(b"a", b"v", ts), cv(b"b", b"v", ts))
        res = self.h.getScannerResults(T, TScan(maxVersions=2, timeRange=TTimeRange(minStamp=1, maxStamp=3)), 5)
        self.assertEqual([(c[1], c[2]) for c in cells(res[0])], [(b"a", 2), (b"a", 1), (b"b", 2), (b"b", 1)])
        chunks = self.h.getScannerResults(T, TScan(maxVersions=3, batchSize=4), 5)
        self.assertEqual([len(c.columnValues) for c in chunks], [4, 2])
        self.assertEqual([c.partial for c in chunks], [True, False])

    def test_scanner_ids_unknown_closed_and_expired(self):
        self.fill([b"a"])
        with self.assertRaises(TIllegalArgument):
            self.h.getScannerRows(12345, 1)
        sid = self.h.openScanner(T, TScan())
        self.h.closeScanner(sid)
        with self.assertRaises(TIllegalArgument):
            self.h.closeScanner(sid)
        quick = HBaseHandler(self.h.store, clock=self.clock, scanner_timeout_ms=-1)
        sid = quick.openScanner(T, TScan())
        with self.assertRaises(TIllegalArgument):
            quick.getScannerRows(sid, 1)

    def test_scanner_continues_after_concurrent_writes(self):
        self.fill([b"a", b"c"])
        sid = self.h.openScanner(T, TScan())
        self.assertEqual([r.row for r in self.h.getScannerRows(sid, 1)], [b"a"])
        self.fill([b"b", b"d"])
        self.assertEqual([r.row for r in self.h.getScannerRows(sid, 10)], [b"b", b"c", b"d"])

    def test_scan_of_unknown_family_raises_tioerror(self):
        with self.assertRaises(TIOError):
            self.h.openScanner(T, TScan(columns=[TColumn(family=b"nope")]))
        with self.assertRaises(TIOError):
            self.h.getScannerResults(T, TScan(columns=[TColumn(family=b"nope")]), 1)

    def test_unsupported_filters_are_refused_not_ignored(self):
        with self.assertRaises(TIOError):
            self.h.get(T, TGet(row=b"r", filterString=b"KeyOnlyFilter()"))
        with self.assertRaises(TIOError):
            self.h.openScanner(T, TScan(filterString=b"KeyOnlyFilter()"))
        with self.assertRaises(TIOError):
            self.h.openScanner(T, TScan(filterString=b"SingleColumnValueFilter('f', 'c', =, 'regexstring:a.*', true, true)"))

    def test_single_column_value_filters_with_and_or(self):
        for row, value in [(b"a", b'"CN"'), (b"b", b'"SG"'), (b"c", b"null"), (b"d", None), (b"e", b'"US"')]:
            cells = [TColumnValue(family=b"f", qualifier=b"other", value=b"1")]
            if value is not None:
                cells.append(TColumnValue(family=b"f", qualifier=b"country", value=value))
            self.h.put(T, TPut(row=row, columnValues=cells))

        def rows(f):
            return [r.row for r in self.h.getScannerResults(T, TScan(filterString=f), 100)]

        eq = b"SingleColumnValueFilter('f', 'country', =, 'binary:\"CN\"', true, true)"
        self.assertEqual(rows(eq), [b"a"])
        self.assertEqual(rows(b"(" + eq + b") OR (SingleColumnValueFilter('f', 'country', =, 'binary:\"SG\"', true, true))"), [b"a", b"b"])
        self.assertEqual(rows(b"SingleColumnValueFilter('f', 'country', =, 'binary:null', false, true)"), [b"c", b"d"])
        self.assertEqual(rows(b"SingleColumnValueFilter('f', 'country', !=, 'binary:null', true, true)"), [b"a", b"b", b"e"])
        self.assertEqual(rows(b"SingleColumnValueFilter('f', 'country', >, 'binary:\"CN\"', true, true) AND SingleColumnValueFilter('f', 'country', <, 'binary:\"US\"', true, true)"), [b"b"])
        self.assertEqual([r.row for r in self.h.getScannerRows(self.h.openScanner(T, TScan(filterString=eq)), 10)], [b"a"])
        self.assertEqual(self.h.get(T, TGet(row=b"b", filterString=eq)).columnValues, [])


class TableFlagTest(unittest.TestCase):
    def test_parse_tables(self):
        import server
        tables = server.parse_tables(["fp:events:e:1:2764800,fp:events:d", "plain:f:3"])
        self.assertEqual(sorted(tables), [b"fp:events", b"plain"])
        self.assertEqual(tables[b"fp:events"][b"e"].ttl_seconds, 2764800)
        self.assertEqual(tables[b"fp:events"][b"d"].max_versions, 1)
        self.assertEqual(tables[b"plain"][b"f"].max_versions, 3)
        self.assertIsNone(tables[b"plain"][b"f"].ttl_seconds)


if __name__ == "__main__":
    unittest.main()
