from django.urls import URLPattern, URLResolver, path

from spor.economics import views

app_name = "economics"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.costs, name="costs"),
    path("timepriser/", views.rate_list, name="rate_list"),
    path("timepriser/ny/", views.rate_create, name="rate_create"),
    path("timepriser/<id:hourly_rate_id>/ret/", views.rate_update, name="rate_update"),
    path("udgifter/", views.cost_list, name="cost_list"),
    path("udgifter/ny/", views.cost_create, name="cost_create"),
    path("udgifter/<id:intervention_cost_id>/ret/", views.cost_update, name="cost_update"),
    path("investering/", views.scenario_list, name="scenario_list"),
    path("investering/ny/", views.scenario_create, name="scenario_create"),
    path(
        "investering/<id:investment_scenario_id>/",
        views.scenario_detail,
        name="scenario_detail",
    ),
    path(
        "investering/<id:investment_scenario_id>/ret/",
        views.scenario_update,
        name="scenario_update",
    ),
]
