"""Staff views of the registers. Admissions, subscriptions, transfers and redemptions are made
through members.services (the web and API UIs), so these pages are read-only."""

from django.contrib import admin

from coopwork.core.admin import ReadOnlyAdmin

from .models import Application, College, Member, ShareClass, ShareMovement, ShareRequest


@admin.register(College)
class CollegeAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "code", "name_en", "min_shares", "weight", "share_class")
    list_filter = ("cooperative",)


@admin.register(ShareClass)
class ShareClassAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "code", "name_en", "nominal_minor", "max_per_member")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "register_number", "display_name", "college", "status")
    list_filter = ("cooperative", "status", "college")
    search_fields = ("display_name", "user__username")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "display_name", "college", "shares", "status", "created_at")
    list_filter = ("cooperative", "status")


@admin.register(ShareMovement)
class ShareMovementAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "effective_on", "member", "kind", "quantity", "reference")
    list_filter = ("cooperative", "kind")


@admin.register(ShareRequest)
class ShareRequestAdmin(ReadOnlyAdmin):
    list_display = ("cooperative", "member", "kind", "quantity", "status", "eligible_on")
    list_filter = ("cooperative", "kind", "status")
