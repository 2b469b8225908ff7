from django.contrib import admin
from django.http import HttpRequest

from spor.ops.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin[ScheduledRun]):
    """The worker's record, for the operators to read (docs/jobs.md); the worker writes it."""

    list_display = ["job", "slot", "attempts", "started_at", "finished_at", "error", "worker"]
    list_filter = ["job"]
    date_hierarchy = "slot"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
