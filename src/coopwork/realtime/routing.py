from django.urls import path

from .consumers import EventsConsumer, JobConsumer, WorkConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/jobs/<int:job_id>/", JobConsumer.as_asgi()),
    path("ws/work/<slug:slug>/", WorkConsumer.as_asgi()),
]
