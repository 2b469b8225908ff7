from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from spor.sso.models import LoginEvent, OidcIdentity, OidcProvider


@admin.register(OidcProvider)
class OidcProviderAdmin(admin.ModelAdmin[OidcProvider]):
    list_display = ["municipality", "issuer", "client_id", "active"]
    list_filter = ["active"]


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin[OidcIdentity]):
    list_display = ["user", "municipality", "issuer", "last_login"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["user", "municipality", "issuer", "subject", "last_login"]


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin[LoginEvent]):
    list_display = ["at", "user", "municipality", "method", "outcome", "source"]
    list_filter = ["method", "outcome", "municipality"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
