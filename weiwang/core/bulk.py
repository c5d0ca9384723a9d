"""Database adapter for bulk loads (synthetic areas, imports).

This is the one clearly marked place with backend-specific code: on PostgreSQL rows go through
COPY FROM STDIN (psycopg 3); elsewhere through executemany. Callers pre-assign primary keys with
`reserve_ids` so children can point at parents without a round trip, then call
`reset_sequences` once at the end; loads that run beside other writers (imports) take theirs
from `allocate_ids` instead.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> range:
    last = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    return range(last + 1, last + 1 + count)


def allocate_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """Primary keys for `count` new rows while other writers may be inserting too.

    PostgreSQL takes them from the table's own sequence, so concurrent inserts never collide.
    SQLite runs transactions IMMEDIATE (see settings), so inside `transaction.atomic` this
    connection holds the write lock and the next ids after the largest are ours alone.
    """
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        column = model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids on SQLite must run inside transaction.atomic()")
    return reserve_ids(model, count)


def pks_matching(model: type[models.Model], field: str, values: Sequence[str]) -> list[int]:
    """Primary keys of the rows whose `field` is one of `values` (many thousands of them).

    PostgreSQL gets the values as one array parameter; elsewhere they go a thousand at a time.
    """
    pks: list[int] = []
    if connection.vendor == "postgresql":
        from django.db.models.expressions import RawSQL

        column_type = model._meta.get_field(field).db_type(connection)
        for start in range(0, len(values), 50_000):
            chunk = list(values[start : start + 50_000])
            # The type name comes from model metadata, never from input.
            array = RawSQL(f"SELECT unnest(%s::{column_type}[])", [chunk])  # noqa: S611
            found = model.objects.filter(**{f"{field}__in": array})
            pks += found.values_list("pk", flat=True)
        return pks
    for start in range(0, len(values), 1000):
        found = model.objects.filter(**{f"{field}__in": values[start : start + 1000]})
        pks += found.values_list("pk", flat=True)
    return pks


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
                for row in rows:
                    copy.write_row(row)
                    count += 1
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


@contextmanager
def deferred_indexes(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, drop secondary indexes and foreign-key constraints for a bulk load and
    rebuild them afterwards: one sort per index and one join per constraint cost far less than
    maintaining them row by row. Unique constraints stay, so duplicates still fail the load.
    Elsewhere (SQLite would rebuild whole tables) this does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    plan = [(model, _relaxed_fields(model), list(model._meta.indexes)) for model in models_]
    in_transaction = connection.in_atomic_block
    if in_transaction:
        # Fire the deferred checks of rows written so far: PostgreSQL refuses to alter a table
        # with pending trigger events.
        connection.check_constraints()
    with connection.schema_editor(atomic=False) as editor:
        for model, fields, indexes in plan:
            for index in indexes:
                editor.remove_index(model, index)
            for field, relaxed in fields:
                editor.alter_field(model, field, relaxed)
    try:
        yield
    except BaseException:
        if not in_transaction:  # inside one, the rollback takes the dropped indexes back too
            _restore(plan)
        raise
    if in_transaction:
        connection.check_constraints()
    _restore(plan)


def _restore(plan: list) -> None:
    with connection.schema_editor(atomic=False) as editor:
        for model, fields, indexes in plan:
            for field, relaxed in fields:
                editor.alter_field(model, relaxed, field)
            for index in indexes:
                editor.add_index(model, index)


def _relaxed_fields(model: type[models.Model]) -> list[tuple[models.Field, models.Field]]:
    pairs = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and (field.db_index or field.db_constraint):
            relaxed = copy.copy(field)
            relaxed.db_index = False
            relaxed.db_constraint = False
            pairs.append((field, relaxed))
    return pairs


def analyze(models_: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics after a bulk load (same statement on both databases):
    without it PostgreSQL plans with default guesses until autovacuum gets round to it."""
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
