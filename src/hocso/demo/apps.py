from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hocso.demo"
    label = "demo"
