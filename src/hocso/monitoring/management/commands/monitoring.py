"""`hocso monitoring <action> …`: the monitoring centre's commands. Each action is a module of
hocso.monitoring.cli (recompute, …): see there for its options and output."""

import importlib
import pkgutil
import sys

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.monitoring import cli


def _actions() -> dict:
    modules = (
        importlib.import_module(f"{cli.__name__}.{info.name}")
        for info in pkgutil.iter_modules(cli.__path__)
    )
    return {module.NAME: module for module in sorted(modules, key=lambda m: m.NAME)}


class Command(BaseCommand):
    @property
    def help(self):
        return _("Tính lại các chỉ tiêu giám sát và tổng hợp theo cây đơn vị.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for name, module in _actions().items():
            sub = actions.add_parser(name, help=_(module.HELP))
            module.add_arguments(sub)
            sub.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, action, lang, **options):
        with translation.override(lang):
            code = _actions()[action].run(self, options)
        self.stdout.flush()
        if code:
            sys.exit(code)
