"""Page-number pagination for every list of the JSON API: {"items": [...], "count": N}, ?page=N.

The page size is settings.NINJA_PAGINATION_PER_PAGE (50); ?page_size= may ask for up to 100.
"""

from django.conf import settings
from ninja.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("page_size", settings.NINJA_PAGINATION_PER_PAGE)
        super().__init__(**kwargs)

    def _items_count(self, queryset) -> int:
        # Count primary keys only: the scoped querysets carry DISTINCT and per-row subqueries
        # (a learner's current class) that a count does not need and would otherwise compute.
        return queryset.order_by().values("pk").count()
