from django.contrib import admin
from django.http import HttpRequest

from .models import Account, Leg, Transaction


class LegInline(admin.TabularInline):
    model = Leg
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "currency")


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ("id", "cooperative", "kind", "occurred_on", "reference")
    list_filter = ("cooperative", "kind")
    inlines = [LegInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the books are written only through ledger.services

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("cooperative", "code", "holder", "currency")
    list_filter = ("cooperative", "code")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
