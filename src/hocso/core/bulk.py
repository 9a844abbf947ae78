"""Fast inserts for large imports: plain rows written with `executemany` (SQLite) or `COPY`
(PostgreSQL).

Django's bulk_create builds a model instance per row and prepares every value through the ORM,
which costs several times the insert itself at 100,000 rows. Here a row is a dict of field
values; every concrete column of the model is written (a field the importer does not set gets
its model default), dates and datetimes are adapted by the backend's own functions, and the
primary keys are reserved up front so the caller knows them without reading the rows back:

- PostgreSQL: `nextval` of the table's sequence, once per row, in one query;
- SQLite: the import runs in a write transaction (BEGIN IMMEDIATE, see settings), so no other
  connection can insert meanwhile; ids continue after both MAX(id) and sqlite_sequence (so an id
  of a deleted row is never reused, as AUTOINCREMENT promises).

Other backends fall back to bulk_create.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial

from django.db import connection, models
from django.utils import timezone

BATCH = 5000
SQLITE_CACHE_KIB = 131072  # page cache for the import's connection while it writes


@contextmanager
def large_cache():
    """On SQLite, a larger page cache while an import writes: with the default 2 MB, inserting
    100,000 rows spends most of its time re-reading index pages. Restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """`count` fresh primary keys for `model`, or None when the backend is not supported."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT MAX({quote(pk_column)}) FROM {quote(table)}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                highest = max(highest, found[0] if found else 0)
            return list(range(highest + 1, highest + 1 + count))
    return None


def _adapter(field: models.Field):
    if isinstance(field, models.JSONField):
        return partial(field.get_db_prep_value, connection=connection, prepared=True)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None


def insert(model: type[models.Model], rows: Iterable[dict], *, with_ids: bool = False) -> None:
    """Insert `rows` (attname → value: "school_id", not "school"). With `with_ids` every row
    carries its primary key (from `reserve_ids`); otherwise the database assigns it."""
    rows = list(rows)
    if not rows:
        return
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if with_ids or not f.primary_key]
    plan = []
    for field in fields:
        adapt = _adapter(field)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now
        elif field.primary_key:
            default = None
        else:
            default = field.get_default()
        if adapt is not None and default is not None:
            default = adapt(default)  # adapted once, not once per row
        plan.append((field.attname, default, adapt))
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = []
    adapted: dict[tuple[str, object], object] = {}  # one timestamp for every row, adapted once
    for row in rows:
        values = []
        for attname, default, adapt in plan:
            if attname in row:
                value = row[attname]
                if adapt is not None and value is not None:
                    key = (attname, value) if isinstance(value, datetime | date) else None
                    if key is None:
                        value = adapt(value)
                    elif key in adapted:
                        value = adapted[key]
                    else:
                        value = adapted[key] = adapt(value)
            else:
                value = default
            values.append(value)
        params.append(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one command: many times faster than executemany there.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
            return
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def create(model: type[models.Model], rows: list[dict]) -> list[int]:
    """Insert rows and return their primary keys, in order."""
    ids = reserve_ids(model, len(rows))
    if ids is None:  # a backend without a known way to reserve keys
        objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return [obj.pk for obj in objects]
    key = model._meta.pk.attname
    for row, pk in zip(rows, ids, strict=True):
        row[key] = pk
    insert(model, rows, with_ids=True)
    return ids
