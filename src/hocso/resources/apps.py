from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "hocso.resources"
    label = "resources"
    verbose_name = _("Kho học liệu số")

    def ready(self) -> None:
        post_migrate.connect(_restore_search_index, sender=self)


def _restore_search_index(sender, using, plan=None, **kwargs) -> None:
    # Not business logic: keeping a database-level index in step with the schema.
    from .search import restore_sqlite_triggers

    restore_sqlite_triggers(connections[using])
