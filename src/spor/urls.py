from django.contrib import admin
from django.urls import include, path, register_converter

from spor.lib.ids import IdConverter
from spor.registry import access_log_views, import_views
from spor.registry import views as registry_views
from spor.sso import views as sso_views
from spor.web import views as web_views

# Object routes name their key `<id:model_id>` (child_id, group_id, …): the tenancy test
# walks every pattern and fills these from objects of another municipality. The `id`
# converter takes only ids a database can hold (spor.lib.ids); registered before the apps'
# URL modules are included below, which read it.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", web_views.start, name="start"),
    path("log-ind/", sso_views.LoginView.as_view(), name="login"),
    path("log-ud/", sso_views.logout, name="logout"),
    path("skift-kommune/", web_views.switch_municipality, name="switch_municipality"),
    path("overgange/", web_views.transitions, name="transitions"),
    path("institutioner/", registry_views.institution_list, name="institution_list"),
    path(
        "institutioner/<id:institution_id>/",
        registry_views.institution_detail,
        name="institution_detail",
    ),
    path("grupper/<id:group_id>/", registry_views.group_detail, name="group_detail"),
    path("boern/", registry_views.child_list, name="child_list"),
    path("boern/<id:child_id>/", registry_views.child_detail, name="child_detail"),
    path("boern/<id:child_id>/cpr/", registry_views.child_cpr, name="child_cpr"),
    path(
        "boern/<id:child_id>/adgangslog/",
        access_log_views.child_access_log,
        name="child_access_log",
    ),
    path(
        "boern/<id:child_id>/adgangslog.csv",
        access_log_views.child_access_log_export,
        name="child_access_log_export",
    ),
    path("import/", import_views.import_upload, name="registry_import"),
    path("trivsel/", include("spor.screening.urls")),
    path("bekymringer/", include("spor.concerns.urls")),
    path("forloeb/", include("spor.cases.urls")),
    path("maaling/", include("spor.measurement.urls")),
    path("svar/", include("spor.measurement.public_urls")),
    path("partnerskab/", include("spor.programme.urls")),
    path("evaluering/", include("spor.evaluation.web.urls")),
    path("organisation/", include("spor.survey.urls")),
    path("organisation/svar/", include("spor.survey.public_urls")),
    path("oekonomi/", include("spor.economics.urls")),
    path("api/", include("spor.api.urls")),
    path("log-ind/sso/", include("spor.sso.urls")),
    path("notifikationer/", include("spor.notifications.urls")),
    path("organisationsimport/", include("spor.orgsync.urls")),
    path("arkiv/", include("spor.archive.urls")),
    path("drift/", include("spor.ops.urls")),
    path("admin/", admin.site.urls),
]

# The error page says whether the database is unreachable or the disk is full (spor.ops).
handler500 = "spor.ops.views.server_error"
