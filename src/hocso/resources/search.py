"""Full-text search of the resource library, the same behaviour on SQLite and PostgreSQL.

Both databases index the folded columns `Resource.search_title` / `search_body` (core.text.fold:
lower case, no diacritics, đ→d), so neither needs `unaccent`:

- SQLite: an FTS5 table `resources_resource_fts` with external content (the resource table
  itself: no second copy of the text), kept by three triggers (migration 0002). Django rebuilds
  a SQLite table to alter it and the triggers go with the old table: a later migration that
  alters `resources_resource` must call `install_sqlite(schema_editor)` again (idempotent).
- PostgreSQL: a stored generated column `search_vector` = `PG_VECTOR` (title weighted A, the
  rest B; added by migration 0002 with SQL, unknown to the Django model, which never writes it)
  with a GIN index. Not an expression index, as first planned: every matching row's tsvector is
  needed again to recheck the match (prefix and weight queries are rechecked) and to rank, and
  recomputing it from the text made a broad query ("ph", 96,000 matches) 1.8 s instead of
  60 ms on 100,000 resources (benchmarks/bench_resource_search.py).

A query is folded, split into words (letters and digits only: quotes, operators and other
punctuation never reach MATCH or to_tsquery, so no input can make the query fail; a query of
punctuation only filters nothing), and every word is required; the last one is a prefix, so
"phan s" finds "Phân số" while the user is still typing.

Ranking: resources whose TITLE holds every word as typed first ("phan so" → "Phân số" above
"Phân loại sinh vật sống", which only holds "so" as the start of a word), then those whose title
holds every word with the last as a prefix, then bm25 (SQLite) or ts_rank
(PostgreSQL), then the newest. The two relevance scores differ in detail; what tests assert (and
users see first) is the same: title hits above body hits, then recency among equals.

No typo tolerance: a trigram fallback (pg_trgm `%`) has no SQLite equivalent that behaves the
same without scanning every title, so it is left out rather than making the two databases
return different results.
"""

import re

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value

from hocso.core.text import fold

FTS_TABLE = "resources_resource_fts"
# PostgreSQL's generated `search_vector` column. Kept identical to migration 0002's (tests
# compare them).
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B'))"
)
MAX_WORDS = 12
_WORD = re.compile(r"[^\W_]+")


def query_words(q: str | None) -> list[str]:
    """The folded words of a user's query (letters and digits only), at most MAX_WORDS."""
    return _WORD.findall(fold(q))[:MAX_WORDS]


def fts5_query(words: list[str], *, column: str | None = None, prefix: bool = True) -> str:
    """An FTS5 MATCH expression: every word, the last as a prefix (unless `prefix` is false).
    Words are alphanumeric, and quoted anyway, so nothing in them is FTS5 syntax."""
    terms = [f'"{word}"' for word in words]
    if prefix:
        terms[-1] += "*"
    expression = " ".join(terms)
    return f"{column} : ({expression})" if column else expression


def tsquery(words: list[str], *, weight: str = "", prefix: bool = True) -> str:
    """A to_tsquery('simple', …) text: every word (restricted to `weight` if given), the last as
    a prefix (unless `prefix` is false)."""
    terms = [f"{word}:{weight}" if weight else word for word in words]
    if prefix:
        terms[-1] = f"{words[-1]}:*{weight}"
    return " & ".join(terms)


def apply(resources: QuerySet, q: str | None) -> tuple[QuerySet, bool]:
    """`resources` filtered to those matching every word of `q` and annotated with
    `search_title_hit` and `search_rank`; (queryset, ranked). Not ranked when `q` has no words."""
    words = query_words(q)
    if not words:
        return resources, False
    if connection.vendor == "postgresql":
        return _apply_postgresql(resources, words), True
    if connection.vendor == "sqlite":
        return _apply_sqlite(resources, words), True
    # Any other database: every word somewhere in the folded text, no index (not supported).
    for word in words:
        resources = resources.filter(Q(search_title__contains=word) | Q(search_body__contains=word))
    return resources.annotate(
        search_title_exact=Value(False, BooleanField()),
        search_title_hit=Value(False, BooleanField()),
        search_rank=Value(0.0, FloatField()),
    ), True


def order(resources: QuerySet) -> QuerySet:
    """The ranking order of a queryset from `apply` (ranked)."""
    rank = "search_rank" if connection.vendor == "sqlite" else "-search_rank"
    return resources.order_by(
        "-search_title_exact", "-search_title_hit", rank, "-published_at", "-pk"
    )


class _Sql(Func):
    """A fragment of SQL over the resource's own columns ({id}, {title}, {body}) and, on SQLite,
    the joined FTS5 row ({fts}: the FTS table's alias in this query). Compiled through Django,
    so the columns follow when the queryset is nested as a subquery and its tables renamed;
    the user's words only ever travel as parameters."""

    def __init__(self, sql: str, params: list, output_field):
        super().__init__(F("pk"), F("search_title"), F("search_body"), output_field=output_field)
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection, **extra_context):
        columns = [compiler.compile(expression) for expression in self.get_source_expressions()]
        fts = compiler.query.table_map.get(FTS_TABLE, [FTS_TABLE])[0]
        # The generated column (PostgreSQL) is not a model field: qualify it as the id is.
        table = columns[0][0].rsplit(".", 1)[0]
        sql = self.sql.format(
            vector=f"{table}.{connection.ops.quote_name('search_vector')}",
            id=columns[0][0],
            title=columns[1][0],
            body=columns[2][0],
            fts=connection.ops.quote_name(fts),
            table=FTS_TABLE,
        )
        return sql, list(self.params)


def _apply_sqlite(resources: QuerySet, words: list[str]) -> QuerySet:
    # Joined (not `id IN (…)`) so bm25() can be read for each row: the FTS table drives the
    # loop, each match finds its resource by primary key. (A correlated subquery per row for
    # bm25 repeats the whole match for each row: minutes on 100,000 resources.)
    match = _Sql(
        "{fts}.rowid = {id} AND {fts}.{table} MATCH %s",
        [fts5_query(words)],
        BooleanField(),
    )
    title_hit, title_exact = (
        _Sql(
            "{id} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)",
            [fts5_query(words, column="search_title", prefix=prefix)],
            BooleanField(),
        )
        for prefix in (True, False)
    )
    # bm25 is lower for better matches; the title weighs ten times the body.
    rank = _Sql("bm25({fts}.{table}, 10.0, 1.0)", [], FloatField())
    return (
        resources.extra(tables=[FTS_TABLE])  # noqa: S610 - a table name, no SQL text
        .filter(match)
        .annotate(search_title_exact=title_exact, search_title_hit=title_hit, search_rank=rank)
    )


def _apply_postgresql(resources: QuerySet, words: list[str]) -> QuerySet:
    vector = "{vector}"
    return resources.filter(
        _Sql(f"{vector} @@ to_tsquery('simple'::regconfig, %s)", [tsquery(words)], BooleanField())
    ).annotate(
        search_title_exact=_Sql(
            f"{vector} @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery(words, weight="A", prefix=False)],
            BooleanField(),
        ),
        search_title_hit=_Sql(
            f"{vector} @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery(words, weight="A")],
            BooleanField(),
        ),
        search_rank=_Sql(
            f"ts_rank({vector}, to_tsquery('simple'::regconfig, %s))",
            [tsquery(words)],
            FloatField(),
        ),
    )


# --- SQLite index (migration 0002, and any later rebuild of the table) ------------------------

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS resources_resource_fts USING fts5(
        search_title, search_body,
        content='resources_resource', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', prefix='1 2 3'
    )""",
    """CREATE TRIGGER IF NOT EXISTS resources_resource_fts_ai AFTER INSERT ON resources_resource BEGIN
        INSERT INTO resources_resource_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS resources_resource_fts_ad AFTER DELETE ON resources_resource BEGIN
        INSERT INTO resources_resource_fts(resources_resource_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS resources_resource_fts_au
        AFTER UPDATE OF search_title, search_body ON resources_resource BEGIN
        INSERT INTO resources_resource_fts(resources_resource_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO resources_resource_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
]
SQLITE_REBUILD = "INSERT INTO resources_resource_fts(resources_resource_fts) VALUES ('rebuild')"


def install_sqlite(schema_editor) -> None:
    """Create the FTS5 table and triggers if missing and (re)build the index from the rows."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE_CREATE:
        schema_editor.execute(statement)
    schema_editor.execute(SQLITE_REBUILD)


def restore_sqlite_triggers(connection) -> bool:
    """Put the FTS5 table and its triggers back when a migration dropped them (SQLite rebuilds a
    table to alter it, and the rebuild loses its triggers); True when something was restored.
    Runs after every `migrate` (apps.py), costs one catalogue query when nothing is missing."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
            "'resources_resource' AND name LIKE 'resources_resource_fts_%'"
        )
        if cursor.fetchone()[0] == 3:
            return False
    with connection.schema_editor() as schema_editor:
        install_sqlite(schema_editor)
    return True


def rebuild(using=None) -> None:
    """Rebuild the search index from the stored columns (after a bulk insert that bypassed
    triggers, or a restore). PostgreSQL's expression index needs nothing."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_REBUILD)
