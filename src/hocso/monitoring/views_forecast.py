"""Pages of the monitoring centre: forecast (filled in by the work on issue 7)."""

urlpatterns: list = []
