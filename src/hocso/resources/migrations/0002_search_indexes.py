"""Full-text indexes of the resource library, one per database (see resources/search.py).

SQLite: an FTS5 table over (search_title, search_body) with the resource table as its external
content, three triggers keeping it in step, and a rebuild so an existing database's resources
are found at once. PostgreSQL: a stored generated tsvector column (title weighted A, the rest
B; not a model field: Django never writes it) with a GIN index — stored rather than an
expression index because rechecking and ranking broad matches would otherwise recompute every
row's tsvector (30 times slower on 100,000 resources). Nothing on other databases. The SQL is frozen here (a migration must not
change with the code); tests check that resources/search.py still uses the same.

Django alters a SQLite table by rebuilding it, which drops its triggers: a later migration that
alters resources_resource must run `resources.search.install_sqlite(schema_editor)` again.
"""

from django.db import migrations

FTS_TABLE = "resources_resource_fts"

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
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS resources_resource_fts_ai",
    "DROP TRIGGER IF EXISTS resources_resource_fts_ad",
    "DROP TRIGGER IF EXISTS resources_resource_fts_au",
    "DROP TABLE IF EXISTS resources_resource_fts",
]

PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B'))"
)
PG_CREATE = [
    "ALTER TABLE resources_resource ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS resource_search_vector ON resources_resource "
    "USING gin (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS resource_search_vector",
    "ALTER TABLE resources_resource DROP COLUMN IF EXISTS search_vector",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in [*SQLITE_CREATE, SQLITE_REBUILD]:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
