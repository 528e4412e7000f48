"""The daily sweep over all open cases: silence outcomes at the deadline, and the day's digests.

Everything is set-based, so that it runs in seconds over millions of open cases: one UPDATE
records the silence outcomes (and one INSERT ... SELECT their history lines), and the digests
come from a few GROUP BY queries (counts per agent and per service point) plus one window
query for the first references of each agent; Python then loops over recipients, never over
cases. Safe to run twice: an outcome is recorded once (`silence_recorded_at`), and each digest
has a dedup_key per recipient and day, so a second run the same day writes nothing more.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from continuite.accounts.models import Role, User
from continuite.core.db import on_postgresql
from continuite.notifications.bulk import messages_enqueue_bulk
from continuite.notifications.models import Message
from continuite.service_points.models import Network, ServicePoint

from .models import Case, CaseEvent, ProcedureType, SilenceRule
from .queries import at_risk, open_cases, overdue

SILENCE_EVENT = "silence_outcome"
# References listed in an agent's digest, the most urgent first (overdue, then at risk).
DIGEST_REFERENCES = 5
# Service points named in a network manager's digest, those with the most overdue cases first.
DIGEST_POINTS = 5
DIGEST_PREFIX = "cases-digest"


@dataclass
class SweepReport:
    """What one run of the sweep did."""

    silence_recorded: int = 0
    agent_digests: int = 0
    manager_digests: int = 0
    already_sent: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def daily_sweep(*, now: datetime | None = None) -> SweepReport:
    """Record the silence outcomes due, then write the day's digests (each in one transaction)."""
    now = now or timezone.now()
    report = SweepReport()
    with translation.override(settings.LANGUAGE_CODE):
        # Digests first: their counts do not depend on the outcomes, and they read the indexes
        # alone while the outcomes' writes have not yet touched the table's pages.
        digests_send(now=now, report=report)
        report.silence_recorded = silence_outcomes_record(now=now)
    return report


def silence_due(now: datetime):
    """Open cases past their deadline whose silence outcome is not recorded yet.

    A case waiting for the person is left out: its clock is stopped, the stored deadline is
    provisional and moves each day until the clock resumes.
    """
    return (
        overdue(Case.objects.all(), now)
        .filter(silence_recorded_at__isnull=True)
        .exclude(status=Case.Status.WAITING)
    )


@transaction.atomic
def silence_outcomes_record(*, now: datetime) -> int:
    """Record what silence means for every case whose deadline has passed, once, with history."""
    notes = {
        rule: _("Deadline reached without a decision: %(rule)s") % {"rule": label}
        for rule, label in SilenceRule.choices
    }
    if on_postgresql():
        return _record_in_one_statement(now, notes)
    rule = ProcedureType.objects.filter(pk=OuterRef("procedure_type_id")).values("silence_rule")
    recorded = silence_due(now).update(
        silence_outcome=Subquery(rule[:1]), silence_recorded_at=now, updated_at=now
    )
    if recorded:
        # The history lines of exactly these cases: those stamped by this run (an instant no
        # other run uses), read through the partial index on open cases by deadline.
        stamped = open_cases(Case.objects.all()).filter(
            deadline_at__lte=now, silence_recorded_at=now
        )
        rows = stamped.values(
            case_id=F("pk"), outcome=F("silence_outcome"), due_at=F("deadline_at")
        )
        _insert_events(rows, now, notes)
    return recorded


def _insert_events(rows, now: datetime, notes: dict) -> int:
    sql, params = rows.order_by().query.sql_with_params()
    when = " ".join("WHEN %s THEN %s" for _rule in notes)
    insert = (
        f"INSERT INTO {connection.ops.quote_name(CaseEvent._meta.db_table)}"
        " (case_id, occurred_at, kind, note, previous_deadline_at, new_deadline_at)"
        f" SELECT stamped.case_id, %s, %s, CASE stamped.outcome {when} ELSE '' END,"
        " stamped.due_at, stamped.due_at"
        f" FROM ({sql}) AS stamped"
    )
    flat = [value for pair in notes.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(insert, [now, SILENCE_EVENT, *flat, *params])
        return cursor.rowcount


def _record_in_one_statement(now: datetime, notes: dict) -> int:
    """PostgreSQL: the UPDATE joined to the procedure types, its RETURNING rows inserted as
    history lines, in one statement (one pass over the cases due)."""
    due = silence_due(now).values_list("pk")
    sql, params = due.order_by().query.sql_with_params()
    cases = connection.ops.quote_name(Case._meta.db_table)
    types = connection.ops.quote_name(ProcedureType._meta.db_table)
    update = (
        f"WITH due (id) AS ({sql}), recorded AS ("
        f" UPDATE {cases} AS c SET silence_outcome = t.silence_rule,"
        " silence_recorded_at = %s, updated_at = %s"
        f" FROM {types} AS t, due WHERE c.id = due.id AND t.id = c.procedure_type_id"
        " RETURNING c.id, c.silence_outcome, c.deadline_at) "
    )
    when = " ".join("WHEN %s THEN %s" for _rule in notes)
    insert = (
        f"{update}INSERT INTO {connection.ops.quote_name(CaseEvent._meta.db_table)}"
        " (case_id, occurred_at, kind, note, previous_deadline_at, new_deadline_at)"
        f" SELECT id, %s, %s, CASE silence_outcome {when} ELSE '' END, deadline_at, deadline_at"
        " FROM recorded"
    )
    flat = [value for pair in notes.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(insert, [*params, now, now, now, SILENCE_EVENT, *flat])
        return cursor.rowcount


@dataclass
class AgentCounts:
    overdue: int = 0
    at_risk: int = 0
    references: list[tuple[str, datetime, bool]] = field(default_factory=list)


@dataclass
class PointCounts:
    overdue: int = 0
    at_risk: int = 0


def _grouped(queryset, key: str) -> dict:
    rows = queryset.order_by().values(key).annotate(n=Count("*")).values_list(key, "n")
    return dict(rows)


def agent_counts(now: datetime) -> dict[int, AgentCounts]:
    """Per case worker: overdue and at-risk counts, and their first references (GROUP BY)."""
    cases = Case.objects.filter(assigned_to__isnull=False)
    late, risky = overdue(cases, now), at_risk(cases, now)
    counts: dict[int, AgentCounts] = defaultdict(AgentCounts)
    for agent_id, n in _grouped(late, "assigned_to_id").items():
        counts[agent_id].overdue = n
    for agent_id, n in _grouped(risky, "assigned_to_id").items():
        counts[agent_id].at_risk = n
    for queryset, is_late in ((late, True), (risky, False)):
        first = (
            queryset.order_by()
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("assigned_to_id")],
                    order_by=[F("deadline_at").asc(), F("pk").asc()],
                )
            )
            .filter(rank__lte=DIGEST_REFERENCES)
            .values_list("assigned_to_id", "reference", "deadline_at")
        )
        for agent_id, reference, deadline_at in first:
            counts[agent_id].references.append((reference, deadline_at, is_late))
    for entry in counts.values():
        entry.references.sort(key=lambda r: (not r[2], r[1]))
        del entry.references[DIGEST_REFERENCES:]
    return counts


def point_counts(now: datetime) -> dict[int, PointCounts]:
    """Per service point: overdue and at-risk counts (GROUP BY)."""
    cases = Case.objects.all()
    counts: dict[int, PointCounts] = defaultdict(PointCounts)
    for point_id, n in _grouped(overdue(cases, now), "service_point_id").items():
        counts[point_id].overdue = n
    for point_id, n in _grouped(at_risk(cases, now), "service_point_id").items():
        counts[point_id].at_risk = n
    return counts


def digest_day(now: datetime) -> date:
    return timezone.localtime(now).date()


def digest_key(day: date, kind: str, user_id: int) -> str:
    return f"{DIGEST_PREFIX}:{day.isoformat()}:{kind}:{user_id}"


@transaction.atomic
def digests_send(*, now: datetime, report: SweepReport | None = None) -> SweepReport:
    """Write today's digests to the outbox: one per case worker with cases overdue or at risk,
    one per site manager and network manager whose scope has some. Once a day each."""
    report = report or SweepReport()
    day = digest_day(now)
    sent = set(
        Message.objects.filter(dedup_key__startswith=f"{DIGEST_PREFIX}:{day.isoformat()}:")
        .values_list("dedup_key", flat=True)
        .iterator()
    )
    messages: list[Message] = []

    agents = {k: v for k, v in agent_counts(now).items() if v.overdue or v.at_risk}
    emails = _emails(agents.keys())
    queue_url = settings.SITE_URL.rstrip("/") + reverse("cases:queue")
    for agent_id, counts in agents.items():
        key = digest_key(day, "agent", agent_id)
        if agent_id not in emails:
            continue
        if key in sent:
            report.already_sent += 1
            continue
        messages.append(_message(emails[agent_id], key, *agent_digest(counts, queue_url)))
        report.agent_digests += 1

    points = {k: v for k, v in point_counts(now).items() if v.overdue or v.at_risk}
    scopes, names = manager_scopes(points)
    emails = _emails(scopes.keys())
    for user_id, scope in scopes.items():
        key = digest_key(day, "manager", user_id)
        if user_id not in emails:
            continue
        if key in sent:
            report.already_sent += 1
            continue
        messages.append(_message(emails[user_id], key, *manager_digest(scope, points, names)))
        report.manager_digests += 1
    messages_enqueue_bulk(messages)
    return report


def _emails(user_ids) -> dict[int, str]:
    users = User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email="")
    return dict(users.values_list("pk", "email"))


def _message(to: str, key: str, subject: str, body: str) -> Message:
    return Message(channel=Message.Channel.EMAIL, to=to, subject=subject, body=body, dedup_key=key)


def _day(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def agent_digest(counts: AgentCounts, queue_url: str) -> tuple[str, str]:
    """Subject and text of a case worker's digest."""
    subject = _("Your cases: %(overdue)s overdue, %(at_risk)s at risk") % {
        "overdue": counts.overdue,
        "at_risk": counts.at_risk,
    }
    lines = [
        _("Hello,"),
        "",
        ngettext(
            "%(count)s of your cases is past its deadline.",
            "%(count)s of your cases are past their deadline.",
            counts.overdue,
        )
        % {"count": counts.overdue},
        ngettext(
            "%(count)s of your cases is close to its deadline.",
            "%(count)s of your cases are close to their deadline.",
            counts.at_risk,
        )
        % {"count": counts.at_risk},
        "",
        _("The most urgent:"),
    ]
    for reference, deadline_at, is_late in counts.references:
        state = _("overdue") if is_late else _("at risk")
        lines.append(f"- {reference} — {_('deadline')} {_day(deadline_at)} ({state})")
    lines += ["", _("Your queue: %(url)s") % {"url": queue_url}]
    return subject, "\n".join(lines)


@dataclass
class ManagerScope:
    """The service points a manager answers for, and how to name them."""

    point_ids: set[int] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)


def manager_scopes(points: dict[int, PointCounts]) -> tuple[dict[int, ManagerScope], dict]:
    """Site managers (their points) and network managers (their network, or its part in a
    département), among the service points with cases overdue or at risk; and their names."""
    info = {
        pk: (network_id, departement_id, name)
        for pk, network_id, departement_id, name in ServicePoint.objects.filter(
            pk__in=list(points)
        ).values_list("pk", "network_id", "departement_id", "name")
    }
    by_network: dict[int, list[int]] = defaultdict(list)
    for pk, (network_id, _dep, _name) in info.items():
        by_network[network_id].append(pk)
    networks = dict(Network.objects.values_list("pk", "short_name"))
    scopes: dict[int, ManagerScope] = defaultdict(ManagerScope)
    roles = Role.objects.filter(
        Q(kind=Role.Kind.SITE_MANAGER, service_point_id__in=list(points))
        | Q(kind=Role.Kind.NETWORK_MANAGER)
    ).values_list("user_id", "kind", "service_point_id", "network_id", "departement_id")
    for user_id, kind, point_id, network_id, departement_id in roles:
        if kind == Role.Kind.SITE_MANAGER:
            scopes[user_id].point_ids.add(point_id)
            scopes[user_id].labels.append(info[point_id][2])
            continue
        chosen = [
            pk
            for pk in by_network.get(network_id, [])
            if departement_id is None or info[pk][1] == departement_id
        ]
        if chosen:
            scopes[user_id].point_ids.update(chosen)
            label = networks.get(network_id, "")
            scopes[user_id].labels.append(
                f"{label} ({departement_id})" if departement_id else label
            )
    return scopes, {pk: name for pk, (_n, _d, name) in info.items()}


def manager_digest(
    scope: ManagerScope, points: dict[int, PointCounts], names: dict[int, str]
) -> tuple[str, str]:
    """Subject and text of a site or network manager's digest."""
    overdue_total = sum(points[pk].overdue for pk in scope.point_ids)
    risk_total = sum(points[pk].at_risk for pk in scope.point_ids)
    subject = _("Cases of %(scope)s: %(overdue)s overdue, %(at_risk)s at risk") % {
        "scope": ", ".join(sorted(scope.labels)[:3]),
        "overdue": overdue_total,
        "at_risk": risk_total,
    }
    lines = [
        _("Hello,"),
        "",
        _("Cases past their deadline: %(count)s.") % {"count": overdue_total},
        _("Cases close to their deadline: %(count)s.") % {"count": risk_total},
    ]
    if len(scope.point_ids) > 1:
        worst = sorted(
            scope.point_ids, key=lambda pk: (-points[pk].overdue, -points[pk].at_risk, pk)
        )
        lines += ["", _("Service points with the most overdue cases:")]
        lines += [
            "- "
            + _("%(name)s: %(overdue)s overdue, %(at_risk)s at risk")
            % {"name": names[pk], "overdue": points[pk].overdue, "at_risk": points[pk].at_risk}
            for pk in worst[:DIGEST_POINTS]
        ]
    return subject, "\n".join(lines)
