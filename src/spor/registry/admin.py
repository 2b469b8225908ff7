from django.contrib import admin

from spor.registry.models import Group, Institution

# Children are deliberately not in the admin: the system administrator runs municipalities
# and users, and a child's record is reached only through the scoped, logged screens.


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin[Institution]):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["municipality", "kind"]
    search_fields = ["name"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin[Group]):
    list_display = ["name", "institution", "school_year", "grade", "municipality"]
    list_filter = ["municipality", "school_year"]
    search_fields = ["name", "institution__name"]
