from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "coopwork.realtime"
    label = "realtime"

    def ready(self) -> None:
        from coopwork.core.events import subscribe

        from .broadcast import broadcast_event

        subscribe(broadcast_event)
