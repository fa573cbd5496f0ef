"""In-memory tables with HBase cell semantics (rows, families, qualifiers, timestamped versions, TTL).

Pure data model, no Thrift types: hbase_handler.py translates the Thrift structs to and from it.
Every public method expects the caller to hold `Store.lock`.
"""
import bisect
import threading

LATEST_TIMESTAMP = 0x7FFFFFFFFFFFFFFF


class StoreError(Exception):
    """A request HBase would refuse (maps to TIOError with canRetry = false)."""


class FamilySpec:
    """Column-family settings: versions kept and time to live (seconds, None = forever)."""

    def __init__(self, max_versions=1, ttl_seconds=None):
        if max_versions < 1:
            raise ValueError("maxVersions must be >= 1")
        self.max_versions = max_versions
        self.ttl_seconds = ttl_seconds

    def expired_before(self, now_ms):
        """Cells with a timestamp below the returned value are expired (None: nothing expires)."""
        if self.ttl_seconds is None:
            return None
        return now_ms - self.ttl_seconds * 1000


class Table:
    """One table: rows kept in a dict, row keys kept sorted (unsigned byte order) for scans."""

    def __init__(self, name, families=None, auto_families=False, default_max_versions=1):
        self.name = name
        self.families = dict(families or {})
        self.auto_families = auto_families
        self.default_max_versions = default_max_versions
        # row -> {(family, qualifier): [[ts, value], ...] newest first}
        self.rows = {}
        # Row keys for scans: _sorted (unsigned byte order) plus _pending (written since the last scan). _indexed holds
        # both; keys of dropped rows stay until they are a quarter of the list (scans skip keys not in rows).
        self._sorted = []
        self._pending = []
        self._indexed = set()
        self._stale = 0

    def family(self, name, create):
        spec = self.families.get(name)
        if spec is None and self.auto_families and create:
            spec = self.families[name] = FamilySpec(self.default_max_versions)
        if spec is None and not self.auto_families:
            raise StoreError("org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException: "
                             "Column family %s does not exist in region of table %s"
                             % (name.decode("utf-8", "replace"), self.name.decode("utf-8", "replace")))
        return spec

    def sorted_rows(self):
        """Row keys in unsigned byte order (Python bytes compare unsigned); may include keys of dropped rows."""
        if self._pending:
            # A few new keys go in by binary search (a memmove each); many at once by one sort, which merges the two
            # sorted runs but compares every key (a re-sort per scan made each scan after a write cost ~0.6 ms at 60k rows).
            if len(self._pending) <= 64:
                for key in self._pending:
                    bisect.insort(self._sorted, key)
            else:
                self._pending.sort()
                self._sorted.extend(self._pending)
                self._sorted.sort()
            self._pending = []
        if self._stale * 4 > len(self._sorted):
            rows = self.rows
            self._sorted = [k for k in self._sorted if k in rows]
            self._indexed = set(self._sorted)
            self._stale = 0
        return self._sorted

    def row_for_write(self, row):
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
            if row in self._indexed:
                self._stale -= 1  # a dropped row written again: its key is still listed
            else:
                self._indexed.add(row)
                self._pending.append(row)
        return cells

    def drop_row_if_empty(self, row):
        cells = self.rows.get(row)
        if cells is not None and not cells:
            del self.rows[row]
            self._stale += 1


class Store:
    """All tables of one fixture server."""

    def __init__(self, auto_create=True, default_max_versions=1):
        self.lock = threading.RLock()
        self.tables = {}
        self.auto_create = auto_create
        self.default_max_versions = default_max_versions

    # ---- tables -----------------------------------------------------------------------------------

    def declare_table(self, name, families):
        """Creates (or replaces) a table with declared families {name: FamilySpec}."""
        self.tables[name] = Table(name, families, auto_families=False)

    def drop_table(self, name):
        self.tables.pop(name, None)

    def clear(self):
        """Removes every cell, keeping the table declarations."""
        for name, table in list(self.tables.items()):
            fresh = Table(name, table.families if not table.auto_families else {},
                          table.auto_families, table.default_max_versions)
            self.tables[name] = fresh

    def table(self, name, for_write):
        t = self.tables.get(name)
        if t is None and for_write and self.auto_create:
            t = self.tables[name] = Table(name, auto_families=True,
                                          default_max_versions=self.default_max_versions)
        if t is None:
            raise StoreError("org.apache.hadoop.hbase.TableNotFoundException: "
                             + name.decode("utf-8", "replace"))
        return t

    # ---- writes -----------------------------------------------------------------------------------

    @staticmethod
    def put(table, row, cells):
        """cells: list of (family, qualifier, timestamp, value); validated before anything is written."""
        if not row:
            raise StoreError("java.lang.IllegalArgumentException: Row length is 0")
        if not cells:
            raise StoreError("java.lang.IllegalArgumentException: No columns to insert")
        specs = []
        for family, _, ts, _ in cells:
            if ts < 0:
                raise StoreError("java.lang.IllegalArgumentException: Timestamp cannot be negative. ts=%d" % ts)
            specs.append(table.family(family, create=True))
        stored = table.row_for_write(row)
        for (family, qualifier, ts, value), spec in zip(cells, specs):
            versions = stored.get((family, qualifier))
            if versions is None:
                stored[(family, qualifier)] = [[ts, value]]
                continue
            # newest first; equal timestamp replaces the value
            i = 0
            n = len(versions)
            while i < n and versions[i][0] > ts:
                i += 1
            if i < n and versions[i][0] == ts:
                versions[i][1] = value
            else:
                versions.insert(i, [ts, value])
                if len(versions) > spec.max_versions:
                    del versions[spec.max_versions:]

    @staticmethod
    def delete(table, row, row_ts, columns, delete_type):
        """HBase delete semantics.

        columns: None/empty = whole row (versions <= row_ts when given). Otherwise a list of
        (family, qualifier or None, timestamp or None); a column's timestamp defaults to row_ts.
        delete_type: 0 DELETE_COLUMN, 1 DELETE_COLUMNS, 2 DELETE_FAMILY, 3 DELETE_FAMILY_VERSION.
        """
        for family, _, _ in columns or ():
            table.family(family, create=False)
        stored = table.rows.get(row)
        if stored is None:
            return
        if not columns:
            for key in list(stored):
                _drop_versions(stored, key, lambda ts: row_ts is None or ts <= row_ts)
        else:
            for family, qualifier, col_ts in columns:
                ts = col_ts if col_ts is not None else row_ts
                if qualifier is None or delete_type in (2, 3):
                    if delete_type == 3:
                        if ts is None:
                            raise StoreError("DELETE_FAMILY_VERSION needs a timestamp")
                        match = lambda v, t=ts: v == t
                    else:
                        match = lambda v, t=ts: t is None or v <= t
                    for key in [k for k in stored if k[0] == family]:
                        _drop_versions(stored, key, match)
                elif delete_type == 0:
                    versions = stored.get((family, qualifier))
                    if versions:
                        if ts is None:
                            del versions[0]
                        else:
                            versions[:] = [v for v in versions if v[0] != ts]
                        if not versions:
                            del stored[(family, qualifier)]
                else:
                    _drop_versions(stored, (family, qualifier), lambda v, t=ts: t is None or v <= t)
        table.drop_row_if_empty(row)

    # ---- reads ------------------------------------------------------------------------------------

    @staticmethod
    def read_row(table, row, columns, min_ts, max_ts, max_versions, now_ms, family_ranges=None):
        """Cells of one row as a sorted list of (family, qualifier, ts, value).

        columns: None/empty = all; else list of (family, qualifier or None = whole family).
        Time range half-open [min_ts, max_ts). family_ranges: {family: (min, max)} overrides per family.
        """
        stored = table.rows.get(row)
        if stored is None:
            return []
        if columns:
            families = set()
            exact = set()
            for family, qualifier in columns:
                table.family(family, create=False)
                if qualifier is None:
                    families.add(family)
                else:
                    exact.add((family, qualifier))
            keys = [k for k in stored if k[0] in families or k in exact]
        else:
            keys = list(stored)
        keys.sort()
        out = []
        for key in keys:
            family = key[0]
            spec = table.families.get(family)
            cutoff = spec.expired_before(now_ms) if spec is not None else None
            lo, hi = min_ts, max_ts
            if family_ranges and family in family_ranges:
                lo, hi = family_ranges[family]
            taken = 0
            for ts, value in stored[key]:
                if ts >= hi:
                    continue
                if ts < lo or (cutoff is not None and ts < cutoff):
                    break
                out.append((family, key[1], ts, value))
                taken += 1
                if taken >= max_versions:
                    break
        return out

    @staticmethod
    def next_row(table, after, start, stop, reversed_scan):
        """The next row key of a scan that already returned `after` (None = first call), or None."""
        keys = table.sorted_rows()
        rows = table.rows
        if not reversed_scan:
            if after is None:
                i = bisect.bisect_left(keys, start) if start else 0
            else:
                i = bisect.bisect_right(keys, after)
            while i < len(keys):
                k = keys[i]
                if stop and k >= stop:
                    return None
                if k in rows:
                    return k
                i += 1
            return None
        if after is None:
            i = (bisect.bisect_right(keys, start) if start else len(keys)) - 1
        else:
            i = bisect.bisect_left(keys, after) - 1
        while i >= 0:
            k = keys[i]
            if stop and k <= stop:
                return None
            if k in rows:
                return k
            i -= 1
        return None


def _drop_versions(stored, key, match):
    versions = stored.get(key)
    if not versions:
        return
    kept = [v for v in versions if not match(v[0])]
    if kept:
        stored[key] = kept
    else:
        del stored[key]
