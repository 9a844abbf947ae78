"""Pages of the monitoring centre: reports (filled in by the work on issue 7)."""

urlpatterns: list = []
