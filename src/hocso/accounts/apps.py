from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hocso.accounts"
    label = "accounts"
