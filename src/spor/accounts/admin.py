from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from spor.accounts.models import GroupAssignment, Membership, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


@admin.register(User)
class SporUserAdmin(UserAdmin[User]):
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "municipality", "role", "profession", "active"]
    list_filter = ["municipality", "role", "profession", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(GroupAssignment)
class GroupAssignmentAdmin(admin.ModelAdmin[GroupAssignment]):
    list_display = ["membership", "group", "municipality"]
    list_filter = ["municipality"]
    raw_id_fields = ["membership", "group"]
