from django.contrib import admin

from spor.tenancy.models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]
