from django.urls import URLPattern, URLResolver, path

from spor.archive import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern.
app_name = "archive"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("regler/", views.rule_set, name="rule_set"),
    path("regler/standard/", views.rules_defaults, name="rules_defaults"),
    path("regler/<id:retention_rule_id>/slet/", views.rule_delete, name="rule_delete"),
    path("hold/", views.hold_add, name="hold_add"),
    path("hold/<id:archive_hold_id>/frigiv/", views.hold_release, name="hold_release"),
    path("proevekoersel/", views.dry_run, name="dry_run"),
    path("eksport/", views.export, name="export"),
]
