"""THBaseService handler over the in-memory Store: the HBase Thrift2 semantics of the fixture.

Import after thriftgen.ensure() so that `hbase_thrift2` is importable.
"""
import itertools
import time

from hbase_filters import FilterError, compile_filter
from hbase_store import LATEST_TIMESTAMP, Store, StoreError
from hbase_thrift2.ttypes import (TColumnValue, TDeleteType, TIllegalArgument, TIOError, TResult)

PUT_TYPE_CODE = 4  # org.apache.hadoop.hbase.Cell.Type.Put


def _now_ms():
    return int(time.time() * 1000)


class _Scanner:
    """Server-side scanner state: resumes after the last row it returned (sees concurrent writes)."""

    def __init__(self, table, scan):
        self.table = table
        self.start = scan.startRow or b""
        self.stop = scan.stopRow or b""
        self.reversed = bool(scan.reversed)
        self.columns = _columns(scan.columns)
        for family, _ in self.columns or ():
            table.family(family, create=False)  # unknown family of a declared table: TIOError at open
        self.max_versions = scan.maxVersions if scan.maxVersions is not None else 1
        if self.max_versions <= 0:
            raise StoreError("maxVersions must be positive")
        self.min_ts, self.max_ts = _range(scan.timeRange)
        self.family_ranges = {f: _range(r) for f, r in (scan.colFamTimeRangeMap or {}).items()} or None
        self.batch = scan.batchSize if scan.batchSize and scan.batchSize > 0 else None
        self.limit = scan.limit if scan.limit and scan.limit > 0 else None
        self.filter = _compile_filter(scan.filterString, scan.filterBytes)
        self.last_row = None
        self.rows_returned = 0
        self.pending = []
        self.last_access = time.monotonic()

    def next(self, n, now_ms):
        out = []
        while len(out) < n:
            if self.pending:
                out.append(self.pending.pop(0))
                continue
            if self.limit is not None and self.rows_returned >= self.limit:
                break
            row = Store.next_row(self.table, self.last_row, self.start, self.stop, self.reversed)
            if row is None:
                break
            self.last_row = row
            cells = Store.read_row(self.table, row, self.columns, self.min_ts, self.max_ts,
                                   self.max_versions, now_ms, self.family_ranges)
            if not cells or (self.filter is not None and not self.filter(cells)):
                continue
            self.rows_returned += 1
            if self.batch is None or len(cells) <= self.batch:
                out.append(_result(row, cells))
            else:
                chunks = [cells[i:i + self.batch] for i in range(0, len(cells), self.batch)]
                self.pending = [_result(row, c, partial=(i < len(chunks) - 1)) for i, c in enumerate(chunks)]
        return out


class HBaseHandler:
    """Implements THBaseService.Iface. All state changes happen under store.lock."""

    def __init__(self, store=None, clock=_now_ms, scanner_timeout_ms=60000, discard_writes=False):
        self.store = store or Store()
        self.discard_writes = discard_writes
        self.clock = clock
        self.scanner_timeout_s = scanner_timeout_ms / 1000.0
        self.scanners = {}
        self._ids = itertools.count(1)

    # ---- reads ------------------------------------------------------------------------------------

    def exists(self, table, tget):
        return bool(self.get(table, tget).columnValues)

    def get(self, table, tget):
        with self.store.lock:
            t = self._table(table, False)
            return self._get(t, tget, self.clock())

    def getMultiple(self, table, tgets):
        with self.store.lock:
            t = self._table(table, False)
            now = self.clock()
            return [self._get(t, g, now) for g in tgets]

    # ---- writes -----------------------------------------------------------------------------------

    def put(self, table, tput):
        self.putMultiple(table, [tput])

    def putMultiple(self, table, tputs):
        if self.discard_writes:  # benchmark sink: the request was decoded, nothing is stored
            return
        with self.store.lock:
            t = self._table(table, True)
            now = self.clock()
            for p in tputs:
                self._put(t, p, now)

    def deleteSingle(self, table, tdelete):
        self.deleteMultiple(table, [tdelete])

    def deleteMultiple(self, table, tdeletes):
        with self.store.lock:
            t = self._table(table, False)
            for d in tdeletes:
                columns = [(c.family, c.qualifier, c.timestamp) for c in d.columns] if d.columns else None
                delete_type = d.deleteType if d.deleteType is not None else TDeleteType.DELETE_COLUMNS
                _guard(Store.delete, t, d.row, d.timestamp, columns, delete_type)
        return []

    def checkAndPut(self, table, row, family, qualifier, value, tput):
        with self.store.lock:
            t = self._table(table, True)
            if tput.row != row:
                raise _io("org.apache.hadoop.hbase.DoNotRetryIOException: Action's getRow must match")
            now = self.clock()
            cells = _guard(Store.read_row, t, row, [(family, qualifier)], 0, LATEST_TIMESTAMP, 1, now)
            current = cells[0][3] if cells else None
            if value is None or len(value) == 0:
                # HBase: a null or empty expected value matches an absent cell or an empty value.
                matches = current is None or len(current) == 0
            else:
                matches = current == value
            if matches:
                self._put(t, tput, now)
            return matches

    # ---- scanners ---------------------------------------------------------------------------------

    def openScanner(self, table, tscan):
        with self.store.lock:
            self._expire_scanners()
            t = self._table(table, False)
            scanner = _guard(_Scanner, t, tscan)
            scanner_id = next(self._ids)
            self.scanners[scanner_id] = scanner
            return scanner_id

    def getScannerRows(self, scannerId, numRows):
        with self.store.lock:
            self._expire_scanners()
            scanner = self.scanners.get(scannerId)
            if scanner is None:
                raise TIllegalArgument(message="Invalid scanner Id")
            scanner.last_access = time.monotonic()
            return scanner.next(numRows if numRows is not None else 1, self.clock())

    def closeScanner(self, scannerId):
        with self.store.lock:
            if self.scanners.pop(scannerId, None) is None:
                raise TIllegalArgument(message="Invalid scanner Id")

    def getScannerResults(self, table, tscan, numRows):
        with self.store.lock:
            t = self._table(table, False)
            scanner = _guard(_Scanner, t, tscan)
            return scanner.next(numRows if numRows is not None else 1, self.clock())

    # ---- helpers ----------------------------------------------------------------------------------

    def _table(self, name, for_write):
        return _guard(self.store.table, name, for_write)

    def _get(self, t, tget, now):
        keep = _guard(_compile_filter, tget.filterString, tget.filterBytes)
        if tget.timestamp is not None:
            lo, hi = tget.timestamp, tget.timestamp + 1
        else:
            lo, hi = _guard(_range, tget.timeRange)
        max_versions = tget.maxVersions if tget.maxVersions is not None else 1
        if max_versions <= 0:
            raise _io("java.io.IOException: maxVersions must be positive")
        cells = _guard(Store.read_row, t, tget.row, _columns(tget.columns), lo, hi, max_versions, now)
        if keep is not None and cells and not keep(cells):
            cells = []
        return _result(tget.row, cells)

    def _put(self, t, tput, now):
        default_ts = tput.timestamp if tput.timestamp is not None else now
        cells = [(cv.family, cv.qualifier, cv.timestamp if cv.timestamp is not None else default_ts, cv.value)
                 for cv in tput.columnValues or ()]
        _guard(Store.put, t, tput.row, cells)

    def _expire_scanners(self):
        cutoff = time.monotonic() - self.scanner_timeout_s
        for sid in [s for s, sc in self.scanners.items() if sc.last_access < cutoff]:
            del self.scanners[sid]


def _io(message):
    return TIOError(message=message, canRetry=False)


def _guard(fn, *args):
    try:
        return fn(*args)
    except StoreError as e:
        raise _io(str(e))


def _compile_filter(filter_string, filter_bytes):
    """The row filter of a filterString (the subset in hbase_filters.py); anything else is refused, never ignored."""
    if filter_bytes:
        raise StoreError("java.io.IOException: serialized filters (filterBytes) are not supported by the test fixture")
    try:
        return compile_filter(filter_string)
    except FilterError as e:
        raise StoreError("java.io.IOException: " + str(e))


def _columns(tcolumns):
    if not tcolumns:
        return None
    return [(c.family, c.qualifier) for c in tcolumns]


def _range(time_range):
    if time_range is None:
        return 0, LATEST_TIMESTAMP
    if time_range.minStamp < 0 or time_range.maxStamp < time_range.minStamp:
        raise StoreError("java.lang.IllegalArgumentException: maxStamp is smaller than minStamp")
    return time_range.minStamp, time_range.maxStamp


def _result(row, cells, partial=False):
    if not cells:
        return TResult(columnValues=[], stale=False, partial=False)
    values = [TColumnValue(family=f, qualifier=q, value=v, timestamp=ts, type=PUT_TYPE_CODE)
              for f, q, ts, v in cells]
    return TResult(row=row, columnValues=values, stale=False, partial=partial)
