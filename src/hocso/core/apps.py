from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hocso.core"
    label = "core"
