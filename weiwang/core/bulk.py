"""Database adapter for bulk loads (synthetic areas, imports).

This is the one clearly marked place with backend-specific code: on PostgreSQL rows go through
COPY FROM STDIN (psycopg 3); elsewhere through executemany. Callers pre-assign primary keys with
`reserve_ids` so children can point at parents without a round trip, then call
`reset_sequences` once at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> range:
    last = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    return range(last + 1, last + 1 + count)


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Insert raw rows (values in `columns` order, database column names)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                buffer: list[str] = []
                for row in rows:
                    buffer.append("\t".join(_copy_text(v) for v in row))
                    count += 1
                    if len(buffer) >= 5000:
                        copy.write("\n".join(buffer) + "\n")
                        buffer.clear()
                if buffer:
                    copy.write("\n".join(buffer) + "\n")
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            batch = [tuple(row) for row in rows]
            count = len(batch)
            # Table and column names come from model metadata, never from input.
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, batch)
    return count


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
