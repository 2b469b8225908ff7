from django.contrib import admin

from spor.programme.models import (
    Benchmark,
    BenchmarkFramework,
    BenchmarkItem,
    Programme,
    ProgrammeAdmin,
    ProgrammeEvaluator,
)


class BenchmarkItemInline(admin.TabularInline[BenchmarkItem, Benchmark]):
    model = BenchmarkItem
    extra = 0


@admin.register(BenchmarkFramework)
class BenchmarkFrameworkAdmin(admin.ModelAdmin[BenchmarkFramework]):
    list_display = ["title", "version", "valid_from"]


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin[Benchmark]):
    list_display = ["number", "short_title", "framework"]
    list_filter = ["framework"]
    inlines = [BenchmarkItemInline]


class ProgrammeAdminInline(admin.TabularInline[ProgrammeAdmin, Programme]):
    model = ProgrammeAdmin
    extra = 1
    autocomplete_fields = ["user"]


class ProgrammeEvaluatorInline(admin.TabularInline[ProgrammeEvaluator, Programme]):
    model = ProgrammeEvaluator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Programme)
class ProgrammeModelAdmin(admin.ModelAdmin[Programme]):
    list_display = ["name", "start_on", "end_on", "grant_pool", "framework"]
    inlines = [ProgrammeAdminInline, ProgrammeEvaluatorInline]
