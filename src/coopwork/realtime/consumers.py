"""Websocket consumers: a signed-in user hears the events addressed to them and to the groups of
their roles (``/ws/events/``), one job's events (``/ws/jobs/<id>/``), or one co-op's worker area
(``/ws/work/<slug>/``)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from coopwork.core.errors import CoopError
from coopwork.core.models import Role
from coopwork.marketplace.models import Job
from coopwork.marketplace.selectors import job_get, work_live_group


class _GroupsConsumer(AsyncJsonWebsocketConsumer):
    """Joins a list of groups on connect, leaves them on disconnect, forwards their events."""

    groups_joined: list[str]

    async def join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def coop_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["name"], "payload": message["payload"]})


class EventsConsumer(_GroupsConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.join(await self._groups_for(user.pk))

    @database_sync_to_async
    def _groups_for(self, user_id: int) -> list[str]:
        groups = [f"user-{user_id}"]
        for coop_id, role in Role.objects.filter(user_id=user_id).values_list(
            "cooperative_id", "role"
        ):
            groups.append(f"coop-{coop_id}-{role}")
        return sorted(set(groups))


class WorkConsumer(_GroupsConsumer):
    """The worker area of one co-op: the worker's own events (offers, assignments,
    notifications) and the co-op's worker group, where events say only *that* the open jobs
    changed (their names, no payload: ``Event.pinged``); the page re-fetches its lists through
    the worker area's view. Refused to anyone who is not a worker with a profile there. Rights
    are checked at connect: a worker whose role ends while connected still hears the names until
    the socket closes, and the page's re-fetch is refused."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        slug = self.scope["url_route"]["kwargs"]["slug"]
        group = await database_sync_to_async(work_live_group)(slug=slug, user=user)
        if group is None:
            await self.close(code=4403)
            return
        await self.join([group, f"user-{user.pk}"])


class JobConsumer(AsyncJsonWebsocketConsumer):
    """Live updates of one job (status, worker position, ETA, messages) for the people who may
    see it: its client, its workers and the co-op's coordinators."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        if user is None or not user.is_authenticated or not await self._may_see(user, job_id):
            await self.close(code=4403)
            return
        self.group = f"job-{job_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _may_see(self, user: Any, job_id: int) -> bool:
        job = Job.objects.select_related("cooperative").filter(pk=job_id).first()
        if job is None:
            return False
        try:
            job_get(cooperative=job.cooperative, job_id=job_id, user=user)
        except CoopError:
            return False
        return True

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def coop_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["name"], "payload": message["payload"]})
