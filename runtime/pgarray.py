"""PostgreSQL array literals, for bulk writes as one parameter per column.

``INSERT .. SELECT * FROM unnest(%s::text[], %s::timestamptz[], ..)`` sends a thousand rows as a
handful of array texts. The multi-row ``VALUES`` it replaces made psycopg2 quote sixteen values
a row and the server parse each as a literal of its own: measured on the sharing service's
records, 17 µs of client CPU and about 35 µs of server time a row against 7 µs and about 20.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

_SEPARATOR = "\x00"  # PostgreSQL text never holds NUL, so no element does either


def _element(value) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def array_literal(values: Sequence) -> str:
    """The array's text form (``{"a","b",NULL}``): every element quoted, so that no value is
    read as NULL, as a nested array or as two elements; ``None`` is NULL. The element type is
    the SQL's cast (``%s::timestamptz[]``); datetimes go as ISO 8601 with their offset."""
    texts = [None if v is None else v if v.__class__ is str else _element(v) for v in values]
    if not texts:
        return "{}"
    if None not in texts:
        joined = _SEPARATOR.join(texts)
        if joined.count(_SEPARATOR) == len(texts) - 1:
            # one pass over the whole column instead of one per element
            escaped = joined.replace("\\", "\\\\").replace('"', '\\"')
            return '{"' + escaped.replace(_SEPARATOR, '","') + '"}'
    return (
        "{"
        + ",".join(
            "NULL" if t is None else '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for t in texts
        )
        + "}"
    )
