from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "coopwork.api"
    label = "api"
