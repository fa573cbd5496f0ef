"""A subset of HBase's filter language (Thrift2 ``filterString``), evaluated as HBase does.

Supported: ``SingleColumnValueFilter('family', 'qualifier', <op>, '<comparator>', filterIfMissing, latestVersionOnly)``
with ops ``= != < <= > >=`` and comparators ``binary:`` and ``binaryprefix:`` (unsigned lexicographic bytes), combined
with ``AND`` / ``OR`` (AND binds tighter) and parentheses. Quoted strings double a quote to contain it. Any other
filter is refused with an error rather than ignored.
"""

import re


class FilterError(Exception):
    pass


_TOKEN = re.compile(rb"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>!=|<=|>=|=|<|>)|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>-?\d+))")


def _tokens(text):
    pos = 0
    out = []
    while pos < len(text):
        if text[pos:].strip() == b"":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise FilterError("cannot parse the filter string at %r" % text[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace(b"''", b"'")
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            raise FilterError("unexpected %r in the filter string" % (tok[1],))
        self.i += 1
        return tok[1]

    def expression(self):
        left = self.conjunction()
        while self.peek() == ("word", b"OR"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda cells: a(cells) or b(cells))(left, right)
        return left

    def conjunction(self):
        left = self.term()
        while self.peek() == ("word", b"AND"):
            self.take()
            right = self.term()
            left = (lambda a, b: lambda cells: a(cells) and b(cells))(left, right)
        return left

    def term(self):
        if self.peek() == ("punct", b"("):
            self.take()
            inner = self.expression()
            self.take("punct", b")")
            return inner
        name = self.take("word")
        self.take("punct", b"(")
        args = []
        while self.peek() != ("punct", b")"):
            args.append(self.take())
            if self.peek() == ("punct", b","):
                self.take()
        self.take("punct", b")")
        if name != b"SingleColumnValueFilter":
            raise FilterError("filter %s is not supported by the test fixture" % name.decode())
        return _single_column_value(args)


_OPS = {
    b"=": lambda c: c == 0, b"!=": lambda c: c != 0, b"<": lambda c: c < 0,
    b"<=": lambda c: c <= 0, b">": lambda c: c > 0, b">=": lambda c: c >= 0,
}


def _single_column_value(args):
    if len(args) != 6:
        raise FilterError("SingleColumnValueFilter takes 6 arguments, got %d" % len(args))
    family, qualifier, op, comparator, if_missing, _latest = args
    if op not in _OPS:
        raise FilterError("unknown compare operator %r" % op)
    test = _OPS[op]
    if comparator.startswith(b"binary:"):
        expected = comparator[len(b"binary:"):]
        compare = lambda v: (v > expected) - (v < expected)
    elif comparator.startswith(b"binaryprefix:"):
        expected = comparator[len(b"binaryprefix:"):]
        compare = lambda v: (v[:len(expected)] > expected) - (v[:len(expected)] < expected)
    else:
        raise FilterError("comparator %r is not supported by the test fixture" % comparator)
    filter_if_missing = if_missing.lower() == b"true"

    def evaluate(cells):
        latest = None
        for f, q, ts, value in cells:
            if f == family and q == qualifier and (latest is None or ts > latest[0]):
                latest = (ts, value)
        if latest is None:
            return not filter_if_missing
        return test(compare(latest[1]))

    return evaluate


def compile_filter(filter_string):
    """A function of a row's cells [(family, qualifier, ts, value)] → keep the row; None for no filter."""
    if not filter_string:
        return None
    parser = _Parser(_tokens(filter_string))
    result = parser.expression()
    if parser.i != len(parser.tokens):
        raise FilterError("trailing text in the filter string")
    return result
