"""The small demo province, loaded once per test module and rolled back afterwards.

Loading takes a few seconds, so the modules that inspect the loaded data share one load: it runs
inside an outer transaction that each test's own transaction nests in (as a savepoint), and the
whole load is rolled back when the module ends, so other modules see an empty database.
"""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

DEMO_SEED = 11


@pytest.fixture(scope="module")
def demo(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """A module that sets DEMO_GRADES = False loads it without grade books (much faster)."""
    options = [] if getattr(request.module, "DEMO_GRADES", True) else ["--no-grades"]
    # The demo library writes files: into a temporary media root, never the real var/media.
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
    )
    with django_db_blocker.unblock(), fast_hashing:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out, err = StringIO(), StringIO()
            call_command(
                "seed_demo", "--scale", "small", "--seed", str(DEMO_SEED), "--if-empty", *options,
                stdout=out, stderr=err,
            )  # fmt: skip
            yield SimpleNamespace(output=out.getvalue(), seed=DEMO_SEED)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
