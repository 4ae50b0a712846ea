from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coopwork.web"
    label = "web"
