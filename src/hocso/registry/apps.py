from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "hocso.registry"
    label = "registry"
