from django.contrib import admin

from spor.sso.models import LoginEvent, OidcIdentity, OidcProvider


@admin.register(OidcProvider)
class OidcProviderAdmin(admin.ModelAdmin):
    list_display = ["municipality", "issuer", "client_id", "active"]
    list_filter = ["active"]


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "issuer", "last_login"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["user", "municipality", "issuer", "subject", "last_login"]


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "municipality", "method", "outcome", "source"]
    list_filter = ["method", "outcome", "municipality"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
