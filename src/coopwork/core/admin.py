"""The Django admin, for platform staff. Writes that carry business rules go through services:
the audit log and parameter versions are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ApiToken, AuditEntry, Cooperative, ParameterVersion, Role


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "legal_form", "country", "currency", "sponsor")
    search_fields = ("name", "slug")
    readonly_fields = ("next_register_number", "created_at")


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("user", "cooperative", "role", "granted_at")
    list_filter = ("cooperative", "role")
    search_fields = ("user__username", "user__email")


@admin.register(ParameterVersion)
class ParameterVersionAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "key", "value", "effective_from", "source", "source_ref")
    list_filter = ("cooperative", "key", "source")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "created_at", "actor_label", "action", "object_type")
    list_filter = ("chain", "action")
    search_fields = ("action", "object_id", "actor_label")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
