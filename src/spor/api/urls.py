"""/api/: the REST API (Danish paths, like the screens), its OpenAPI schema, and the
PPR-leder's screen for tokens. Object routes name their key ``<model>_id`` (the tenancy
walk fills them with another municipality's objects)."""

from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView

from spor.api import token_views, views

app_name = "api"

# The schema's settings are SPECTACULAR_SETTINGS in spor/settings.py, so that the schema
# served here and the one `manage.py check` builds are the same.


class SchemaView(SpectacularAPIView):
    schema = None  # the schema does not describe itself


urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("noegler/", token_views.token_list, name="tokens"),
    path("noegler/tilbagekald/", token_views.token_revoke, name="token_revoke"),
    path("institutioner/", views.InstitutionList.as_view(), name="institution_list"),
    path(
        "institutioner/<id:institution_id>/",
        views.InstitutionDetail.as_view(),
        name="institution_detail",
    ),
    path("grupper/", views.GroupList.as_view(), name="group_list"),
    path("grupper/<id:group_id>/", views.GroupDetail.as_view(), name="group_detail"),
    path("boern/", views.ChildList.as_view(), name="child_list"),
    path("boern/<id:child_id>/", views.ChildDetail.as_view(), name="child_detail"),
    path("boern/<id:child_id>/trivsel/", views.ChildScreenings.as_view(), name="child_screenings"),
    path("trivselsrunder/", views.ScreeningRoundList.as_view(), name="round_list"),
    path(
        "trivselsrunder/<id:screeninground_id>/",
        views.ScreeningRoundDetail.as_view(),
        name="round_detail",
    ),
    path("bekymringer/", views.ConcernList.as_view(), name="concern_list"),
    path("bekymringer/<id:concern_id>/", views.ConcernDetail.as_view(), name="concern_detail"),
    path("forloeb/", views.CaseList.as_view(), name="case_list"),
    path("forloeb/<id:case_id>/", views.CaseDetail.as_view(), name="case_detail"),
    path("indsatser/", views.InterventionList.as_view(), name="intervention_list"),
    path(
        "indsatser/<id:intervention_id>/",
        views.InterventionDetail.as_view(),
        name="intervention_detail",
    ),
    path("ivaerksatte-indsatser/", views.DeliveryList.as_view(), name="delivery_list"),
    path(
        "ivaerksatte-indsatser/<id:delivery_id>/",
        views.DeliveryDetail.as_view(),
        name="delivery_detail",
    ),
    path("sdq-resultater/", views.ResultList.as_view(), name="result_list"),
    path("sdq-resultater/<id:response_id>/", views.ResultDetail.as_view(), name="result_detail"),
    path("evaluering/", views.Evaluation.as_view(), name="evaluation"),
    # Last: anything else under /api/ answers the API's JSON 404.
    re_path(r"^.*$", views.not_found, name="not_found"),
]
