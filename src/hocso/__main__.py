"""The `hocso` command: Django's management commands plus the project's own.

Project commands are spelled with hyphens on the command line (`hocso seed-demo`); Django's
modules use underscores, and `import`/`export` are Python keywords, hence the aliases.
"""

import os
import sys

ALIASES = {
    "seed-demo": "seed_demo",
    "grant-role": "grant_role",
    "import": "import_records",
    "export": "export_records",
    "compute-results": "compute_results",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocso.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "hocso"
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
