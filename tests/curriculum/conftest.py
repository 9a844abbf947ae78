import importlib
from functools import cache

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

SEED_MIGRATION = ("curriculum", "0002_seed_gdpt2018")
seed_migration = importlib.import_module("hocso.curriculum.migrations.0002_seed_gdpt2018")


@cache
def migration_apps():
    """The historical models the seed migration runs with (not the current ones: apps that
    build on the curriculum later are not part of that state)."""
    return MigrationLoader(connection).project_state(SEED_MIGRATION, at_end=True).apps


def run_seed():
    seed_migration.seed(migration_apps(), None)


def run_unseed():
    seed_migration.unseed(migration_apps(), None)


@pytest.fixture
def seeded(db):
    """The seeded curriculum. The migration put it there already; should a transactional test
    elsewhere have flushed the tables, seed them again (the seed is idempotent)."""
    from hocso.curriculum.models import GradeSubject

    if not GradeSubject.objects.exists():
        run_seed()
