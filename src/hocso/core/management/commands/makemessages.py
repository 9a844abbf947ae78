"""`hocso makemessages`: Django's, also extracting `N_("...")`.

The importers mark messages with `gettext_noop as N_` (they are stored as msgids and translated
when shown); xgettext only knows the function by its real name, so without this keyword those
messages would never reach the catalogue.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
