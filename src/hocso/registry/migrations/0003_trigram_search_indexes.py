"""Trigram indexes for name search on PostgreSQL (no-op on SQLite).

`search_name LIKE 'w%' OR LIKE '% w%'` cannot use a b-tree for the second form; a pg_trgm GIN
index serves both. pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may
create it without superuser rights.
"""

from django.db import migrations

INDEXES = [
    ("registry_student", "student_search_trgm"),
    ("registry_staff", "staff_search_trgm"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_name gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_import_job")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
