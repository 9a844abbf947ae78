"""The resource library's JSON API (mounted under /api/v1/)."""

from ninja import Router

from . import api_coverage, api_library

router = Router(tags=["resources"])
# Coverage first: its fixed path must win over the library's /resources/{resource_id}.
router.add_router("", api_coverage.router)
router.add_router("", api_library.router)
