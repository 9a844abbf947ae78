"""Pages of the monitoring centre: alerts (filled in by the work on issue 7)."""

urlpatterns: list = []
