from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "hocso.orgs"
    label = "orgs"
