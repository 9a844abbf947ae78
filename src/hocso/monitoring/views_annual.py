"""Pages of the monitoring centre: annual (filled in by the work on issue 7)."""

urlpatterns: list = []
