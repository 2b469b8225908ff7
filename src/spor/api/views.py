"""The REST API's endpoints. Thin, like the screens' views: the actor comes from the token
(or a PPR-leder's session), every read goes through the apps' scoped selectors (another
municipality's record is a 404), every child shown is written to the access log in the
request's transaction, and every change goes through the apps' services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from spor.accounts.access import Actor
from spor.api import filters, scopes
from spor.api import selectors as api_selectors
from spor.api import serializers as s
from spor.api.access import scopes_of
from spor.api.authentication import BearerTokenAuthentication, LeadSessionAuthentication
from spor.api.errors import handler
from spor.api.etags import check_if_match, etag_of
from spor.api.pagination import Pages
from spor.api.permissions import HasScope, api_actor
from spor.api.schema import SporSchema
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.cases import selectors as case_selectors
from spor.cases import services as case_services
from spor.cases.models import InterventionType, Level, Target
from spor.concerns import selectors as concern_selectors
from spor.concerns import services as concern_services
from spor.evaluation import disclosure
from spor.evaluation.web import figures, lattice, reports
from spor.evaluation.web import selectors as evaluation_selectors
from spor.evaluation.web.forms import DEFAULT_INFORMANT, FilterForm, Filters
from spor.measurement.models import Informant
from spor.ops.proxies import request_context
from spor.registry import selectors as registry_selectors
from spor.screening import selectors as screening_selectors

MAX_ID = filters.MAX_ID
MSG_CHILD = "Barnet findes ikke i din kommune."
MSG_GROUP = "Gruppen findes ikke i din kommune."
MSG_RESPONSIBLE = concern_services.MSG_RESPONSIBLE
MSG_COORDINATOR = case_services.MSG_COORDINATOR_NOT_MEMBER
CAVEAT = (
    "Før/efter-måling uden kontrolgruppe, oftest vurderet af en, der selv hjælper barnet, på "
    "børn valgt, fordi de havde det svært (regression mod gennemsnittet). Tal om 1–4 børn "
    f"vises ikke, og heller ikke tal, de kunne regnes ud af: {figures.LEGEND}."
)


class ApiView(generics.GenericAPIView[Any]):
    authentication_classes = [BearerTokenAuthentication, LeadSessionAuthentication]
    permission_classes = [HasScope]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = Pages
    filter_backends = [DjangoFilterBackend]
    schema = SporSchema()
    scopes: dict[str, str] = {}
    # For the access log: what was read, and the children behind the records.
    what = ""
    purpose = Purpose.OVERVIEW

    def get_exception_handler(self) -> Any:
        return handler

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Every answer, errors included, may hold a child's data (a CPR number with the
        cpr scope): no cache, no proxy and no browser keeps a copy (``no-store``)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    @property
    def actor(self) -> Actor:
        return api_actor(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if getattr(self, "swagger_fake_view", False):
            return context
        actor = self.actor
        context["show_cpr"] = scopes.CPR in scopes_of(actor)
        context["coordinator_of"] = lambda case: case_selectors.current_coordinator(actor, case)
        return context

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return []

    def log_read(self, objects: Iterable[Any], action: Action) -> None:
        ids = [i for i in self.child_ids(objects) if i is not None]
        if ids:
            access_log_record(
                actor=self.actor,
                child_ids=ids,
                action=action,
                purpose=self.purpose,
                what=f"API: {self.what}",
                context=request_context(self.request),
            )


class ApiList(ApiView, generics.ListAPIView[Any]):
    filterset_class: Any  # each list's FilterSet

    def scoped(self, actor: Actor) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return self.filterset_class._meta.model._default_manager.none()
        return self.scoped(self.actor)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        assert page is not None
        self.log_read(page, Action.LIST)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ApiDetail(ApiView, generics.RetrieveAPIView[Any]):
    lookup_url_kwarg = ""

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        raise NotImplementedError

    def get_object(self) -> Any:
        pk = int(self.kwargs[self.lookup_url_kwarg])
        if not 0 < pk <= MAX_ID:
            raise Http404
        return self.get_for_user(self.actor, pk)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.log_read([obj], Action.VIEW)
        data = self.get_serializer(obj).data
        return Response(data, headers={"ETag": etag_of(data)})


# ------------------------------------------------------------------ registry


class InstitutionList(ApiList):
    """Kommunens institutioner (dagtilbud og skoler)."""

    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.InstitutionSerializer
    filterset_class = filters.InstitutionFilter

    def scoped(self, actor: Actor) -> Any:
        return registry_selectors.institutions_for(actor).order_by("name", "pk")


class InstitutionDetail(ApiDetail):
    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.InstitutionSerializer
    lookup_url_kwarg = "institution_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return registry_selectors.get_institution_for_user(actor, pk)


class GroupList(ApiList):
    """Kommunens grupper (stuer og klasser) pr. skoleår."""

    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.GroupSerializer
    filterset_class = filters.GroupFilter

    def scoped(self, actor: Actor) -> Any:
        return registry_selectors.groups_for(actor).order_by("pk")


class GroupDetail(ApiDetail):
    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.GroupSerializer
    lookup_url_kwarg = "group_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return registry_selectors.get_group_for_user(actor, pk)


class ChildMixin:
    what = "Barnets stamdata"

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return [c.pk for c in objects]

    def log_read(self, objects: Iterable[Any], action: Action) -> None:
        objects = list(objects)
        super().log_read(objects, action)  # type: ignore[misc]
        if self.get_serializer_context()["show_cpr"]:  # type: ignore[attr-defined]
            access_log_record(
                actor=self.actor,  # type: ignore[attr-defined]
                child_ids=[c.pk for c in objects],
                action=Action.CPR_SHOWN,
                purpose=self.purpose,  # type: ignore[attr-defined]
                what="API: fuldt CPR-nummer",
                context=request_context(self.request),  # type: ignore[attr-defined]
            )


class ChildList(ChildMixin, ApiList):
    """Børnene i kommunen. Hvert barn på siden skrives i adgangsloggen."""

    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.ChildSerializer
    filterset_class = filters.ChildFilter

    def scoped(self, actor: Actor) -> Any:
        return registry_selectors.children_for(actor).order_by("pk")


class ChildDetail(ChildMixin, ApiDetail):
    """Et barn med indskrivninger. Opslaget skrives i adgangsloggen."""

    scopes = {"GET": scopes.REGISTRY_READ}
    serializer_class = s.ChildDetailSerializer
    lookup_url_kwarg = "child_id"
    purpose = Purpose.CASEWORK

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return registry_selectors.get_child_for_user(actor, pk)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        child = self.get_object()
        self.log_read([child], Action.VIEW)
        context = self.get_serializer_context()
        context["enrolments"] = list(registry_selectors.enrolments_of_child(self.actor, child))
        data = s.ChildDetailSerializer(child, context=context).data
        return Response(data, headers={"ETag": etag_of(data)})


# ------------------------------------------------------------------ screening


class ScreeningRoundList(ApiList):
    """Trivselsrunder."""

    scopes = {"GET": scopes.SCREENING_READ}
    serializer_class = s.ScreeningRoundSerializer
    filterset_class = filters.ScreeningRoundFilter

    def scoped(self, actor: Actor) -> Any:
        return screening_selectors.rounds_for(actor).order_by("-starts", "-pk")


class ScreeningRoundDetail(ApiDetail):
    scopes = {"GET": scopes.SCREENING_READ}
    serializer_class = s.ScreeningRoundSerializer
    lookup_url_kwarg = "screeninground_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return screening_selectors.get_round_for_user(actor, pk)


class ChildScreenings(ApiView, generics.ListAPIView[Any]):
    """Barnets fælles trivselsvurderinger (positioner), nyeste først; kun hvis der er
    samtykke eller hjemmel til at dele dem med PPR. Opslaget skrives i adgangsloggen."""

    scopes = {"GET": scopes.SCREENING_READ}
    serializer_class = s.AssessmentSerializer
    pagination_class = None  # type: ignore[assignment]
    filter_backends: list[Any] = []
    purpose = Purpose.SCREENING
    what = "Barnets trivselsvurderinger"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        child_id = int(kwargs["child_id"])
        if not 0 < child_id <= MAX_ID:
            raise Http404
        child = registry_selectors.get_child_for_user(self.actor, child_id)
        rows = list(screening_selectors.positions_of_child(self.actor, child))
        access_log_record(
            actor=self.actor,
            child_ids=[child.pk],
            action=Action.VIEW,
            purpose=self.purpose,
            what=f"API: {self.what}",
            context=request_context(request),
        )
        return Response(self.get_serializer(rows, many=True).data)


# ------------------------------------------------------------------ concerns


class ConcernMixin:
    what = "Bekymring"
    purpose = Purpose.CASEWORK

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return [c.child_id for c in objects]


class ConcernList(ConcernMixin, ApiList, generics.ListCreateAPIView[Any]):
    """Bekymringer om børn og børnefællesskaber. POST opretter en ny."""

    scopes = {"GET": scopes.CONCERNS_READ, "POST": scopes.CONCERNS_WRITE}
    serializer_class = s.ConcernSerializer
    filterset_class = filters.ConcernFilter
    request_serializers = {"POST": s.ConcernCreateSerializer}

    def scoped(self, actor: Actor) -> Any:
        return concern_selectors.concerns_for(actor).order_by("pk")

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self.actor
        data = _valid(s.ConcernCreateSerializer, request.data)
        child = group = None
        if data.get("child"):
            child = _or_invalid(
                registry_selectors.get_child_for_user, actor, data["child"], "child", MSG_CHILD
            )
        if data.get("group"):
            group = _or_invalid(
                registry_selectors.get_group_for_user, actor, data["group"], "group", MSG_GROUP
            )
        responsible = _staff(concern_selectors.staff_for(actor), data["responsible"])
        concern = concern_services.concern_raise(
            actor=actor,
            description=data["description"],
            category=data["category"],
            responsible=responsible,
            follow_up_on=data["follow_up_on"],
            child=child,
            group=group,
            context=request_context(request),
        )
        concern = concern_selectors.get_concern_for_user(actor, concern.pk)
        body = s.ConcernSerializer(concern).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(body)})


class ConcernDetail(ConcernMixin, ApiDetail, generics.RetrieveUpdateAPIView[Any]):
    """En bekymring. PATCH ændrer status, ansvarlig og opfølgningsdato, eller lukker den
    med et udfald; kræver If-Match med den seneste ETag."""

    scopes = {"GET": scopes.CONCERNS_READ, "PATCH": scopes.CONCERNS_WRITE}
    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = s.ConcernSerializer
    request_serializers = {"PATCH": s.ConcernUpdateSerializer}
    lookup_url_kwarg = "concern_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return concern_selectors.get_concern_for_user(actor, pk)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self.actor
        with transaction.atomic():
            concern = api_selectors.lock_concern(self.get_object())
            check_if_match(request, etag_of(s.ConcernSerializer(concern).data))
            data = _valid(s.ConcernUpdateSerializer, request.data)
            text = data.get("text", "")
            common = {"actor": actor, "text": text, "context": request_context(request)}
            if "responsible" in data:
                who = _staff(concern_selectors.staff_for(actor), data["responsible"])
                concern = concern_services.concern_update_responsible(
                    concern=concern, responsible=who, **common
                )
            if "follow_up_on" in data:
                concern = concern_services.concern_update_follow_up(
                    concern=concern, follow_up_on=data["follow_up_on"], **common
                )
            if "state" in data:
                concern = concern_services.concern_update_state(
                    concern=concern, state=data["state"], **common
                )
            if "outcome" in data:
                concern = concern_services.concern_close(
                    concern=concern,
                    outcome=data["outcome"],
                    underretning_on=data.get("underretning_on"),
                    **common,
                )
            elif data.get("underretning_on") is not None:
                raise exceptions.ValidationError(
                    {"underretning_on": [concern_services.MSG_UNDERRETNING_ONLY]}
                )
        concern = concern_selectors.get_concern_for_user(actor, concern.pk)
        body = s.ConcernSerializer(concern).data
        return Response(body, headers={"ETag": etag_of(body)})


# ------------------------------------------------------------------ cases and catalogue


class CaseMixin:
    what = "Forløb"
    purpose = Purpose.CASEWORK

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return [c.child_id for c in objects]


class CaseList(CaseMixin, ApiList):
    """Forløb (åbne og lukkede)."""

    scopes = {"GET": scopes.CASES_READ}
    serializer_class = s.CaseSerializer
    filterset_class = filters.CaseFilter

    def scoped(self, actor: Actor) -> Any:
        return case_selectors.case_list(case_selectors.cases_for(actor), with_closed=True).order_by(
            "pk"
        )


class CaseDetail(CaseMixin, ApiDetail, generics.RetrieveUpdateAPIView[Any]):
    """Et forløb. PATCH skifter tovholder (fra teamet) eller afslutter forløbet med et
    udfald; kræver If-Match med den seneste ETag."""

    scopes = {"GET": scopes.CASES_READ, "PATCH": scopes.CASES_WRITE}
    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = s.CaseSerializer
    request_serializers = {"PATCH": s.CaseUpdateSerializer}
    lookup_url_kwarg = "case_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return case_selectors.get_case_for_user(actor, pk)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self.actor
        context = self.get_serializer_context()
        with transaction.atomic():
            case = api_selectors.lock_case(self.get_object())
            check_if_match(request, etag_of(s.CaseSerializer(case, context=context).data))
            data = _valid(s.CaseUpdateSerializer, request.data)
            if "coordinator" in data:
                who = _staff(case_selectors.staff_for(actor), data["coordinator"], "coordinator")
                try:
                    case_services.case_coordinator_change(
                        actor=actor, case=case, membership=who, context=request_context(request)
                    )
                except DjangoValidationError as e:
                    # The screen's form calls the field "membership"; here it is "coordinator".
                    raise exceptions.ValidationError({"coordinator": e.messages}) from None
            if "outcome" in data:
                case_services.case_close(
                    actor=actor,
                    case=case,
                    outcome=data["outcome"],
                    closed_on=data.get("closed_on"),
                    specialised_at_close={k: v for k, v in data.items() if k.startswith("close_")},
                    note=data.get("closing_note", ""),
                    context=request_context(request),
                )
        case = case_selectors.get_case_for_user(actor, case.pk)
        body = s.CaseSerializer(case, context=context).data
        return Response(body, headers={"ETag": etag_of(body)})


class InterventionList(ApiList):
    """Indsatsviften."""

    scopes = {"GET": scopes.CATALOGUE_READ}
    serializer_class = s.InterventionSerializer
    filterset_class = filters.InterventionFilter

    def scoped(self, actor: Actor) -> Any:
        return case_selectors.interventions_for(actor).order_by("pk")


class InterventionDetail(ApiDetail):
    scopes = {"GET": scopes.CATALOGUE_READ}
    serializer_class = s.InterventionSerializer
    lookup_url_kwarg = "intervention_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return case_selectors.get_intervention_for_user(actor, pk)


class DeliveryMixin:
    what = "Iværksat indsats"
    purpose = Purpose.CASEWORK

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return [d.case.child_id for d in objects]


class DeliveryList(DeliveryMixin, ApiList):
    """Iværksatte indsatser i forløb, med timer pr. faggruppe."""

    scopes = {"GET": scopes.CASES_READ}
    serializer_class = s.DeliverySerializer
    filterset_class = filters.DeliveryFilter

    def scoped(self, actor: Actor) -> Any:
        return api_selectors.deliveries_for(actor)


class DeliveryDetail(DeliveryMixin, ApiDetail, generics.RetrieveUpdateAPIView[Any]):
    """En iværksat indsats. PUT erstatter datoer, status, bemærkning og timer; PATCH ændrer
    de felter, der sendes. Begge kræver If-Match med den seneste ETag."""

    scopes = {"GET": scopes.CASES_READ, "PUT": scopes.CASES_WRITE, "PATCH": scopes.CASES_WRITE}
    http_method_names = ["get", "put", "patch", "head", "options"]
    serializer_class = s.DeliverySerializer
    request_serializers = {"PUT": s.DeliveryUpdateSerializer, "PATCH": s.DeliveryUpdateSerializer}
    lookup_url_kwarg = "delivery_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return case_selectors.get_delivery_for_user(actor, pk)

    def _change(self, request: Request, partial: bool) -> Response:
        actor = self.actor
        with transaction.atomic():
            delivery = api_selectors.lock_delivery(self.get_object())
            current = s.DeliverySerializer(delivery).data
            check_if_match(request, etag_of(current))
            data = _valid(s.DeliveryUpdateSerializer, request.data, partial=partial)
            hours = data["hours"] if "hours" in data else (current["hours"] if partial else {})
            case_services.delivery_update(
                actor=actor,
                delivery=delivery,
                start=data.get("start", delivery.start),
                end=data.get("end", delivery.end if partial else None),
                status=data.get("status", delivery.status),
                hours=hours,
                note=data.get("note", delivery.note if partial else ""),
                context=request_context(request),
            )
        delivery = case_selectors.get_delivery_for_user(actor, delivery.pk)
        body = s.DeliverySerializer(delivery).data
        return Response(body, headers={"ETag": etag_of(body)})

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=False)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=True)


# ------------------------------------------------------------------ SDQ results


class ResultMixin:
    what = "SDQ-resultat"
    purpose = Purpose.CASEWORK

    def child_ids(self, objects: Iterable[Any]) -> list[int]:
        return [r.delivery.case.child_id for r in objects]


class ResultList(ResultMixin, ApiList):
    """SDQ-resultater: scorer, bånd og normsæt pr. besvarelse; ikke spørgsmål eller svar."""

    scopes = {"GET": scopes.MEASUREMENT_READ}
    serializer_class = s.ResultSerializer
    filterset_class = filters.ResultFilter

    def scoped(self, actor: Actor) -> Any:
        return api_selectors.results_for(actor)


class ResultDetail(ResultMixin, ApiDetail):
    scopes = {"GET": scopes.MEASUREMENT_READ}
    serializer_class = s.ResultSerializer
    lookup_url_kwarg = "response_id"

    def get_for_user(self, actor: Actor, pk: int) -> Any:
        return api_selectors.get_response_for_user(actor, pk)


# ------------------------------------------------------------------ evaluation


EVALUATION_PARAMETERS = [
    OpenApiParameter("indsats", int, description="Indsatsens id i indsatsviften."),
    OpenApiParameter("type", str, enum=[c for c, _ in InterventionType.choices]),
    OpenApiParameter("niveau", str, enum=[c for c, _ in Level.choices]),
    OpenApiParameter("maalgruppe", str, enum=[c for c, _ in Target.choices]),
    OpenApiParameter("alder", str, enum=["2-5", "6-10", "11-17"]),
    OpenApiParameter("informant", str, enum=[c for c, _ in Informant.choices]),
    OpenApiParameter(
        "halvaar",
        str,
        description="Førmåling i halvåret (åååå-1 eller åååå-2). Højst ét filter ud over "
        "informanten.",
    ),
]


class Evaluation(ApiView):
    """Evalueringens tal for kommunen (SDQ før/efter), som på evalueringssiden: kun
    samlede tal, celler under 5 børn skjult. Intet barn vises, så intet logges."""

    scopes = {"GET": scopes.EVALUATION_READ}
    pagination_class = None  # type: ignore[assignment]
    filter_backends: list[Any] = []
    serializer_class = s.FiguresSerializer
    extra_parameters = EVALUATION_PARAMETERS

    def get(self, request: Request) -> Response:
        actor = self.actor
        form = FilterForm(
            request.query_params or None,
            interventions=evaluation_selectors.interventions_for(actor),
            initial={"informant": DEFAULT_INFORMANT},
        )
        if request.query_params and not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            )
        chosen = form.filters() if request.query_params else Filters()
        fig = lattice.for_municipality(actor, chosen)
        return Response(evaluation_body(fig))


def evaluation_body(fig: figures.Figures) -> dict[str, Any]:
    """The evaluation figures of one view as ``/api/evaluering/`` answers them (the page's
    figures, hidden cells as on the page)."""
    chosen = fig.filters
    return {
        "n_started": fig.started_text,
        "n_paired": fig.paired_text,
        "shown": fig.shown,
        "norm_titles": list(fig.norm_titles),
        "total": _change(fig.total),
        "effects": [{"label": a, "value": b} for a, b in fig.effects],
        "categories": [_share(x) for x in fig.categories],
        "unions": [_share(x) for x in fig.unions],
        "subscales": [_change(x) for x in fig.subscales],
        "attrition": [{"label": a, "value": b} for a, b in fig.attrition],
        "caveat": CAVEAT,
        "reliable_change_parameters": fig.rci_label,
        "reliable_change_threshold": fig.rci_threshold,
        "change_beyond_regression": None
        if fig.regression is None
        else {
            k: getattr(fig.regression, k)
            for k in ("n", "expected", "beyond", "ci", "standardised", "parameters")
        },
        "reliability_sensitivity": [
            {
                k: getattr(x, k)
                for k in (
                    "reliability",
                    "kind",
                    "threshold",
                    "improved",
                    "deteriorated",
                    "beyond",
                    "default",
                )
            }
            for x in fig.sensitivity
        ],
        "informant": {
            "code": chosen.informant,
            "label": str(Informant(chosen.informant).label),
        },
        "norm_set": "; ".join(fig.norm_titles) or "intet normsæt",
        "filters": [{"label": k, "value": v} for k, v in reports.describe(chosen)],
        "design": figures.DESIGN_DA,
        "n": fig.paired_label,
        "hidden_mark": disclosure.HIDDEN_MARK,
        "legend": disclosure.HIDDEN_LEGEND_DA,
    }


def _change(c: Any) -> dict[str, Any] | None:
    if c is None:
        return None
    return {k: getattr(c, k) for k in ("label", "n", "before", "after", "change", "ci")}


def _share(x: Any) -> dict[str, Any]:
    return {k: getattr(x, k) for k in ("key", "label", "shown", "text", "ci")}


# ------------------------------------------------------------------ helpers


def _valid(serializer_class: Any, data: Any, *, partial: bool = False) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"detail": "Send et JSON-objekt."})
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _or_invalid(get: Any, actor: Actor, pk: int, field: str, message: str) -> Any:
    if pk > MAX_ID:
        raise exceptions.ValidationError({field: [message]})
    try:
        return get(actor, pk)
    except Http404:
        raise exceptions.ValidationError({field: [message]}) from None


def _staff(staff: Any, pk: int, field: str = "responsible") -> Any:
    found = staff.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        message = MSG_RESPONSIBLE if field == "responsible" else MSG_COORDINATOR
        raise exceptions.ValidationError({field: [message]})
    return found


@csrf_exempt
@never_cache
def not_found(request: Any) -> JsonResponse:
    """Any other address under /api/: a 404 in the API's own shape, not the screens' page."""
    return JsonResponse({"detail": "Ikke fundet."}, status=404)
