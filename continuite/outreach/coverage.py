"""Coverage of call campaigns: of the people a campaign is to reach, the share reached (or news
of them had) within 24 hours and within 7 days of their first call, and at all; nationally, by
département and by commune.

Every figure comes from one aggregate query on `Reach` grouped by commune (its index (campaign,
commune) INCLUDE (due_at, reached_at) holds every column read); communes are then rolled up to
départements in Python through a map of the communes loaded once per process. No row of a person
goes through Python: a campaign of a million people takes about half a second on PostgreSQL.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.db.models import Count, F, Q

from continuite.core.models import Commune, Departement

from .models import CallCampaign, Reach

WITHIN_24H = timedelta(hours=24)
WITHIN_7D = timedelta(days=7)


@dataclass(frozen=True)
class Coverage:
    """The people to reach in a territory, and how many were reached, how soon."""

    key: str  # "" nationally, a département or commune code
    label: str
    people: int = 0
    reached_24h: int = 0
    reached_7d: int = 0
    reached: int = 0
    departement: str = ""  # a commune's

    @property
    def not_reached(self) -> int:
        return self.people - self.reached

    def _rate(self, count: int) -> float | None:
        return count / self.people if self.people else None

    @property
    def rate_24h(self) -> float | None:
        return self._rate(self.reached_24h)

    @property
    def rate_7d(self) -> float | None:
        return self._rate(self.reached_7d)

    @property
    def rate(self) -> float | None:
        return self._rate(self.reached)

    @staticmethod
    def _percent(rate: float | None) -> float | None:
        return None if rate is None else round(100 * rate, 1)

    @property
    def percent_24h(self) -> float | None:
        return self._percent(self.rate_24h)

    @property
    def percent_7d(self) -> float | None:
        return self._percent(self.rate_7d)

    @property
    def percent(self) -> float | None:
        return self._percent(self.rate)


@dataclass(frozen=True)
class CoverageReport:
    """Coverage nationally, by département, and by commune (of one département, or all)."""

    national: Coverage
    by_departement: list[Coverage]
    by_commune: list[Coverage]
    departement: Coverage | None  # the département whose communes are listed, if one


@lru_cache(maxsize=1)
def _communes() -> dict[str, tuple[str, str]]:
    """Every commune's (département, name), by code: about 35,000, read once per process."""
    return {
        code: (departement, name)
        for code, departement, name in Commune.objects.values_list("code", "departement_id", "name")
    }


def _communes_of(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The map, completed with communes imported after it was read (one query, rarely)."""
    known = _communes()
    missing = [code for code in codes if code not in known]
    if missing:
        known.update(
            (code, (departement, name))
            for code, departement, name in Commune.objects.filter(code__in=missing).values_list(
                "code", "departement_id", "name"
            )
        )
    return known


@lru_cache(maxsize=1)
def departement_names() -> dict[str, str]:
    """The name of every département, by code (read once per process)."""
    return dict(Departement.objects.values_list("code", "name"))


def _counts() -> dict:
    """COUNT(*) and COUNT(*) FILTER (WHERE reached_at <= due_at + interval ...): the index holds
    both columns, so neither needs the table."""
    return {
        "people": Count("*"),
        "reached_24h": Count("reached_at", filter=Q(reached_at__lte=F("due_at") + WITHIN_24H)),
        "reached_7d": Count("reached_at", filter=Q(reached_at__lte=F("due_at") + WITHIN_7D)),
        "reached": Count("reached_at"),
    }


def _by_commune(reaches) -> dict[str, tuple[int, int, int, int]]:
    """(people, reached within 24 h, within 7 days, at all) by commune: the one query."""
    rows = (
        reaches.order_by()
        .values("commune_id")
        .annotate(**_counts())
        .values_list("commune_id", "people", "reached_24h", "reached_7d", "reached")
    )
    return {commune_id: tuple(counts) for commune_id, *counts in rows}


def coverage_report(
    reaches,
    *,
    departement: str | None = None,
    all_communes: bool = False,
    within: Iterable[str] | None = None,
) -> CoverageReport:
    """Coverage of a set of `Reach` rows, with the communes of `departement` (or all of them).

    `within` narrows everything to those départements (a département's steering team).
    """
    counts = _by_commune(reaches)
    communes = _communes_of(counts)
    within = set(within) if within is not None else None
    # Plain lists while adding up: tens of thousands of communes, no object for each.
    totals: dict[str, list[int]] = {}
    listed = []
    for code, figures in counts.items():
        departement_code, name = communes[code]
        if within is not None and departement_code not in within:
            continue
        total = totals.get(departement_code)
        if total is None:
            totals[departement_code] = list(figures)
        else:
            total[0] += figures[0]
            total[1] += figures[1]
            total[2] += figures[2]
            total[3] += figures[3]
        if all_communes or departement_code == departement:
            listed.append(Coverage(code, name, *figures, departement=departement_code))
    names = departement_names()
    by_departement = [
        Coverage(code, names.get(code, code), *total) for code, total in sorted(totals.items())
    ]
    national = Coverage("", "", *(sum(column) for column in zip(*totals.values(), strict=False)))
    chosen = None
    if departement is not None:
        chosen = next(
            (c for c in by_departement if c.key == departement),
            Coverage(departement, names.get(departement, departement)),
        )
    return CoverageReport(
        national=national,
        by_departement=by_departement,
        by_commune=sorted(listed, key=lambda c: (c.departement, c.label, c.key)),
        departement=chosen,
    )


def campaign_coverage(
    campaign: CallCampaign, *, departement: str | None = None, all_communes: bool = False
) -> CoverageReport:
    """Coverage of one campaign."""
    return coverage_report(
        Reach.objects.filter(campaign_id=campaign.pk),
        departement=departement,
        all_communes=all_communes,
    )


def active_campaigns_coverage(
    *,
    departement: str | None = None,
    all_communes: bool = False,
    within: Iterable[str] | None = None,
) -> CoverageReport:
    """Coverage of every active campaign together (a person counts once per campaign)."""
    ids = list(
        CallCampaign.objects.filter(status=CallCampaign.Status.ACTIVE).values_list("pk", flat=True)
    )
    return coverage_report(
        Reach.objects.filter(campaign_id__in=ids),
        departement=departement,
        all_communes=all_communes,
        within=within,
    )


def campaigns_totals(campaign_ids: Iterable[int]) -> dict[int, Coverage]:
    """Each campaign's national coverage (for the list of campaigns): one query."""
    rows = (
        Reach.objects.filter(campaign_id__in=list(campaign_ids))
        .order_by()
        .values("campaign_id")
        .annotate(**_counts())
        .values_list("campaign_id", "people", "reached_24h", "reached_7d", "reached")
    )
    return {pk: Coverage(str(pk), "", *counts) for pk, *counts in rows}


def unreached(campaign: CallCampaign):
    """The people the campaign has not reached yet, waiting the longest first."""
    return Reach.objects.filter(campaign_id=campaign.pk, reached_at__isnull=True).order_by(
        "due_at", "pk"
    )
