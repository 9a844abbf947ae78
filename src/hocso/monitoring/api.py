"""The monitoring centre's JSON API (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["monitoring"])
