"""The health protocol's checklist: recording self-assessments, latest ones, compliance by scope."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from continuite.accounts.audit import audit_record
from continuite.service_points.models import ServicePoint

from .models import SelfAssessment

MEASURES = SelfAssessment.MEASURES
# How far back a site manager may date an assessment.
MAX_DAYS_BACK = 31
# An assessment older than this no longer counts: the service point is "not assessed".
VALID_DAYS = 30

# Short names of the measures, for table headers and the CSV (the model holds the long ones).
MEASURE_SHORT_LABELS = {
    "masks": gettext_lazy("Masks"),
    "hand_gel": gettext_lazy("Hand gel"),
    "distancing_marks": gettext_lazy("Distancing marks"),
    "screens": gettext_lazy("Screens"),
    "ventilation": gettext_lazy("Ventilation"),
    "cleaning": gettext_lazy("Cleaning"),
    "max_people": gettext_lazy("Maximum people"),
}

# The grouping a steering page may ask for: (field of ServicePoint for the key, for the label).
GROUPINGS = {
    "network": ("network__slug", "network__short_name"),
    "departement": ("departement_id", "departement__name"),
    "region": ("departement__region", "departement__region__name"),
}

ALL_MEASURES_IN_FORCE = Q(**dict.fromkeys(MEASURES, True))


@transaction.atomic
def self_assessment_record(
    *,
    service_point: ServicePoint,
    assessed_on: date | None,
    answers: dict,
    note: str = "",
    actor,
) -> SelfAssessment:
    """Record a site manager's dated check of every measure of the protocol, audited."""
    errors: dict[str, str] = {}
    today = service_point.local_now().date()
    if assessed_on is None:
        errors["assessed_on"] = _("Give the date of the assessment.")
    elif assessed_on > today:
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    elif assessed_on < today - timedelta(days=MAX_DAYS_BACK):
        errors["assessed_on"] = _(
            "An assessment cannot be dated more than %(days)s days back: record today's."
        ) % {"days": MAX_DAYS_BACK}
    for measure in MEASURES:
        if not isinstance(answers.get(measure), bool):
            errors[measure] = _("Say whether this measure is in force.")
    note = (note or "").strip()
    if len(note) > 1000:
        errors["note"] = _("Keep the comment under 1,000 characters.")
    if errors:
        raise ValidationError(errors)
    assessment = SelfAssessment.objects.create(
        service_point=service_point,
        assessed_on=assessed_on,
        note=note,
        assessed_by=actor if actor is not None and actor.is_authenticated else None,
        **{measure: answers[measure] for measure in MEASURES},
    )
    audit_record(
        actor=actor,
        action="protocol.self_assessment_recorded",
        target=service_point,
        assessment=assessment.pk,
        assessed_on=assessed_on.isoformat(),
        missing=[m for m in MEASURES if not answers[m]],
    )
    return assessment


def latest_self_assessments(points: QuerySet | None = None, *, since: date | None = None):
    """The latest assessment of each service point (of `points`), dated `since` or later.

    One query: each assessment is kept if it is the newest of its service point (date, then
    the last recorded), found by a correlated subquery on the (service point, date) index.
    """
    assessments = SelfAssessment.objects.all()
    newest = SelfAssessment.objects.filter(service_point=OuterRef("service_point"))
    if since is not None:
        assessments = assessments.filter(assessed_on__gte=since)
        newest = newest.filter(assessed_on__gte=since)
    if points is not None:
        assessments = assessments.filter(service_point__in=points.order_by().values("pk"))
    newest = newest.order_by("-assessed_on", "-id").values("pk")[:1]
    return assessments.filter(pk=Subquery(newest))


@dataclass
class Compliance:
    """The protocol's compliance over a group of service points."""

    key: str
    label: str
    points: int = 0
    assessed: int = 0  # latest assessment within VALID_DAYS
    compliant: int = 0  # ... with every measure in force
    measures: dict[str, int] = field(default_factory=dict)  # assessed with that measure in force

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def share_assessed(self) -> float | None:
        return self._share(self.assessed, self.points)

    @property
    def share_compliant(self) -> float | None:
        """Compliant over assessed: a service point not assessed tells nothing either way."""
        return self._share(self.compliant, self.assessed)

    @property
    def percent_assessed(self) -> float | None:
        return _percent(self.share_assessed)

    @property
    def percent_compliant(self) -> float | None:
        return _percent(self.share_compliant)

    def measure_shares(self) -> list[tuple[str, float | None]]:
        """(measure, share of the assessed service points where it is in force), in order."""
        return [(m, self._share(self.measures.get(m, 0), self.assessed)) for m in MEASURES]

    def measure_percents(self) -> list[tuple[str, float | None]]:
        return [(m, _percent(share)) for m, share in self.measure_shares()]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


@dataclass
class ComplianceReport:
    by: str
    on: date
    total: Compliance
    groups: list[Compliance]


def compliance(
    points: QuerySet | None = None, *, by: str = "network", on: date | None = None
) -> ComplianceReport:
    """Compliance with the protocol over `points`, grouped by network, département or region.

    Two aggregate queries whatever the number of service points: one counting the service
    points per group, one counting the latest assessments per group.
    """
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {by!r}")
    on = on or timezone.localdate()
    points = points if points is not None else ServicePoint.objects.all()
    key_field, label_field = GROUPINGS[by]
    groups: dict[str, Compliance] = {}
    for row in points.order_by().values(key_field, label_field).annotate(total=Count("id")):
        key = str(row[key_field] or "")
        groups[key] = Compliance(key, row[label_field] or _("Not stated"), points=row["total"])
    latest = latest_self_assessments(points, since=on - timedelta(days=VALID_DAYS))
    rows = (
        latest.order_by()
        .values(f"service_point__{key_field}")
        .annotate(
            assessed=Count("id"),
            compliant=Count("id", filter=ALL_MEASURES_IN_FORCE),
            **{m: Count("id", filter=Q(**{m: True})) for m in MEASURES},
        )
    )
    for row in rows:
        group = groups.get(str(row[f"service_point__{key_field}"] or ""))
        if group is None:  # a service point that left the scope between both queries
            continue
        group.assessed, group.compliant = row["assessed"], row["compliant"]
        group.measures = {m: row[m] for m in MEASURES}
    ordered = sorted(groups.values(), key=lambda g: g.key if by != "network" else g.label)
    total = Compliance(
        "",
        _("Total"),
        points=sum(g.points for g in ordered),
        assessed=sum(g.assessed for g in ordered),
        compliant=sum(g.compliant for g in ordered),
        measures={m: sum(g.measures.get(m, 0) for g in ordered) for m in MEASURES},
    )
    return ComplianceReport(by=by, on=on, total=total, groups=ordered)
