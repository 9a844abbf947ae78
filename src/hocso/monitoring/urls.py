"""The monitoring centre's pages under /monitoring/ (each area keeps its routes in its module)."""

from . import views_alerts, views_annual, views_dashboard, views_forecast, views_reports

app_name = "monitoring"

urlpatterns: list = []
urlpatterns += views_dashboard.urlpatterns
urlpatterns += views_reports.urlpatterns
urlpatterns += views_alerts.urlpatterns
urlpatterns += views_forecast.urlpatterns
urlpatterns += views_annual.urlpatterns
