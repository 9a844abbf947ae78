from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "hocso.monitoring"
    label = "monitoring"
    verbose_name = _("Trung tâm giám sát")

    def ready(self) -> None:
        # Registry changes queue the incremental recompute of the school they touch (hooks.py).
        from . import hooks

        hooks.connect()
