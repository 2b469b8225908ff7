"""What the API shows. Names follow the models (English field names, Danish values as the
screens store them). A child's CPR number is ``null`` unless the token has the ``cpr``
scope; SDQ results carry scores and bands, never the questionnaire's wording or the answers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from spor.accounts.models import Membership, Profession
from spor.cases.models import Case, Delivery, DeliveryStatus, Intervention
from spor.cases.models import Outcome as CaseOutcome
from spor.concerns.models import OPEN_STATES, Category, Concern, Outcome
from spor.measurement.models import Response
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.screening.models import Assessment, ScreeningRound


def _person(m: Membership | None) -> str:
    if m is None:
        return ""
    return m.user.get_full_name() or m.user.get_username()


class ErrorSerializer(serializers.Serializer[Any]):
    """An error: ``detail`` in Danish, or one list of messages per field at fault."""

    detail = serializers.CharField(required=False)


class InstitutionSerializer(serializers.ModelSerializer[Institution]):
    class Meta:
        model = Institution
        fields = ["id", "name", "kind"]


class GroupSerializer(serializers.ModelSerializer[Group]):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Group
        fields = ["id", "institution", "institution_name", "name", "school_year", "grade"]


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    class Meta:
        model = Enrolment
        fields = ["group", "start", "end"]


class ChildSerializer(serializers.ModelSerializer[Child]):
    cpr_masked = serializers.CharField(read_only=True)
    cpr = serializers.SerializerMethodField(help_text="Kun med rettigheden »cpr«; ellers null.")

    class Meta:
        model = Child
        fields = ["id", "first_name", "last_name", "birth_date", "sex", "cpr_masked", "cpr"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cpr(self, child: Child) -> str | None:
        if not self.context.get("show_cpr"):
            return None
        # Decrypted by the registry's own helper; the caller has written the access log.
        digits = child.cpr_digits()
        return f"{digits[:6]}-{digits[6:]}"


class ChildDetailSerializer(ChildSerializer):
    enrolments = serializers.SerializerMethodField()

    class Meta(ChildSerializer.Meta):
        fields = [*ChildSerializer.Meta.fields, "enrolments"]

    @extend_schema_field(EnrolmentSerializer(many=True))
    def get_enrolments(self, child: Child) -> list[dict[str, Any]]:
        data: Any = EnrolmentSerializer(self.context.get("enrolments", []), many=True).data
        return list(data)


class ScreeningRoundSerializer(serializers.ModelSerializer[ScreeningRound]):
    area_keys = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningRound
        fields = ["id", "name", "starts", "ends", "status", "area_keys"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_area_keys(self, r: ScreeningRound) -> list[str]:
        return list(r.area_keys())


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    round_name = serializers.CharField(source="round.name", read_only=True)
    ratings = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "round",
            "round_name",
            "group",
            "position",
            "previous_position",
            "follow_up",
            "ratings",
            "updated_at",
        ]


class ConcernSerializer(serializers.ModelSerializer[Concern]):
    responsible_name = serializers.SerializerMethodField()
    raised_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Concern
        fields = [
            "id",
            "child",
            "group",
            "description",
            "category",
            "state",
            "outcome",
            "underretning_on",
            "follow_up_on",
            "responsible",
            "responsible_name",
            "raised_by",
            "raised_by_name",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def get_responsible_name(self, c: Concern) -> str:
        return _person(c.responsible)

    def get_raised_by_name(self, c: Concern) -> str:
        return _person(c.raised_by)


class ConcernCreateSerializer(serializers.Serializer[Any]):
    child = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    group = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    description = serializers.CharField(max_length=5000)
    category = serializers.ChoiceField(choices=Category.choices)
    responsible = serializers.IntegerField(min_value=1)
    follow_up_on = serializers.DateField()


class ConcernUpdateSerializer(serializers.Serializer[Any]):
    """The changes a PPR-leder or integration may make; closing needs an outcome."""

    state = serializers.ChoiceField(choices=[(s, s.label) for s in OPEN_STATES], required=False)
    follow_up_on = serializers.DateField(required=False)
    responsible = serializers.IntegerField(min_value=1, required=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    underretning_on = serializers.DateField(required=False, allow_null=True)
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CaseSerializer(serializers.ModelSerializer[Case]):
    coordinator = serializers.SerializerMethodField(
        help_text="Den nuværende tovholders rolle-id (medarbejder i kommunen)."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "child",
            "group",
            "title",
            "level",
            "opened_from",
            "opened_on",
            "coordinator",
            "status",
            "closed_on",
            "outcome",
            "closing_note",
            "start_psychiatry",
            "start_special_education",
            "start_social_measures",
            "start_medication",
            "close_psychiatry",
            "close_special_education",
            "close_social_measures",
            "close_medication",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_coordinator(self, case: Case) -> int | None:
        current = getattr(case, "current_coordinators", None)
        if current is None:
            found = self.context["coordinator_of"](case)
            return found.membership_id if found is not None else None
        return current[0].membership_id if current else None


class CaseUpdateSerializer(serializers.Serializer[Any]):
    """A new coordinator from the team, or closing the case with an outcome (for a child
    all four ``close_*`` answers are needed, as on the screen)."""

    coordinator = serializers.IntegerField(min_value=1, required=False)
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, required=False)
    closed_on = serializers.DateField(required=False)
    closing_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    close_psychiatry = serializers.BooleanField(required=False, allow_null=True)
    close_special_education = serializers.BooleanField(required=False, allow_null=True)
    close_social_measures = serializers.BooleanField(required=False, allow_null=True)
    close_medication = serializers.BooleanField(required=False, allow_null=True)


class InterventionSerializer(serializers.ModelSerializer[Intervention]):
    targets = serializers.ListField(child=serializers.CharField(), read_only=True)
    pejlemaerker = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    expected_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, coerce_to_string=False, read_only=True
    )

    class Meta:
        model = Intervention
        fields = [
            "id",
            "name",
            "description",
            "level",
            "kind",
            "targets",
            "min_age",
            "max_age",
            "provider",
            "expected_hours",
            "expected_weeks",
            "knowledge_base",
            "pejlemaerker",
            "active",
        ]


HOURS_HELP = 'Timer pr. faggruppe, fx {"psykolog": 4.5}; 0 til 1000 med én decimal.'


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    intervention_name = serializers.CharField(source="intervention.name", read_only=True)
    hours = serializers.SerializerMethodField(help_text=HOURS_HELP)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "case",
            "intervention",
            "intervention_name",
            "start",
            "end",
            "status",
            "note",
            "hours",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.FloatField()))
    def get_hours(self, d: Delivery) -> dict[str, float]:
        return {h.profession: float(h.hours) for h in sorted(d.hours.all(), key=_by_profession)}


def _by_profession(h: Any) -> str:
    return str(h.profession)


class DeliveryUpdateSerializer(serializers.Serializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    note = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    hours = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=6, decimal_places=1, min_value=Decimal(0), max_value=Decimal(1000)
        ),
        required=False,
        help_text=HOURS_HELP,
    )

    def validate_hours(self, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = [p for p in value if p not in Profession.values]
        if unknown:
            raise serializers.ValidationError(
                f"Ukendt faggruppe: {unknown[0][:40]}. Brug en af: {', '.join(Profession.values)}."
            )
        return value


class ResultSerializer(serializers.ModelSerializer[Response]):
    case = serializers.IntegerField(source="delivery.case_id", read_only=True)
    scores = serializers.DictField(
        read_only=True, help_text="Scorer og bånd, som Spor beregnede dem."
    )
    on_paper = serializers.BooleanField(read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "delivery",
            "case",
            "phase",
            "informant",
            "form",
            "scores",
            "norm_set",
            "answered_at",
            "on_paper",
        ]


# ---------------------------------------------------------------- evaluation figures


class ChangeSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label
    n = serializers.IntegerField()
    before = serializers.CharField()
    after = serializers.CharField()
    change = serializers.CharField()
    ci = serializers.CharField()


class ShareSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label
    shown = serializers.BooleanField()
    text = serializers.CharField()
    ci = serializers.CharField()


class LabelledSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label
    value = serializers.CharField()


class InformantSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label


class FiguresSerializer(serializers.Serializer[Any]):
    """The evaluation page's figures, as the page shows them: Danish formatted numbers, cells
    hidden ("◆", whatever the reason), and never a single child's values."""

    n_started = serializers.CharField(help_text="Antal startede forløb (skjult under 5).")
    n_paired = serializers.CharField(help_text="Antal par før/efter (skjult under 5).")
    shown = serializers.BooleanField()
    norm_titles = serializers.ListField(child=serializers.CharField())
    total = ChangeSerializer(allow_null=True)
    effects = LabelledSerializer(many=True)
    categories = ShareSerializer(many=True)
    unions = ShareSerializer(many=True)
    subscales = ChangeSerializer(many=True)
    attrition = LabelledSerializer(many=True)
    caveat = serializers.CharField()
    informant = InformantSerializer()
    norm_set = serializers.CharField(help_text="Normsættet bag båndene og normalområdet.")
    filters = LabelledSerializer(many=True, help_text="De valgte filtre, som på siden.")
    design = serializers.CharField(help_text="Designet: før/efter uden kontrolgruppe.")
    n = serializers.CharField(help_text="»x par af y startet«; skjulte tal som ◆.")
    hidden_mark = serializers.CharField()
    legend = serializers.CharField(help_text="Forklaringen på ◆.")
