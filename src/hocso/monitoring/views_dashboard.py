"""Pages of the monitoring centre: dashboard (filled in by the work on issue 7)."""

urlpatterns: list = []
