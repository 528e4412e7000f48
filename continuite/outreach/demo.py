"""Synthetic register for the demo: the social action centre of Lyon 1er and ~200 invented people,
and a heatwave campaign calling them every day since the day before yesterday.

Every name, address and phone number is invented: the phones are in the range reserved for
fiction (01 99 00 xx xx), the streets do not exist.
"""

import heapq
import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from continuite.accounts.models import Role
from continuite.appointments.models import Reason
from continuite.core.models import Commune
from continuite.service_points.models import ServicePoint

from .calllists import daily_call_lists
from .campaigns import call_attempt_record, campaign_activate, campaign_create
from .ladder import Outcome, Step
from .models import (
    TOWN_HALL_NETWORK,
    Call,
    CallAttempt,
    CallCampaign,
    CallerProfile,
    ContactPerson,
    Criterion,
    FollowUp,
    Register,
    RegisteredPerson,
    match_key,
)

DEMO_SEED = 20201119
DEMO_PEOPLE = 200
DEMO_COMMUNE = "69381"  # Lyon 1er arrondissement, whose town hall the demo agents work at
DEMO_REGISTER_NAME = "Registre des personnes vulnérables — CCAS de Lyon 1er"

FIRST_NAMES = [
    "Marcelle", "Germaine", "Simone", "Paulette", "Yvonne", "Odette", "Lucienne", "Raymonde",
    "Marcel", "René", "Roger", "André", "Robert", "Lucien", "Georges", "Henri", "Fatima",
    "Mohamed", "Nguyen", "Ana", "Giuseppe", "Rosa", "Jacqueline", "Bernard",
]  # fmt: skip
LAST_NAMES = [
    "Fictif", "Imaginaire", "Exemple", "Démo", "Essai", "Modèle", "Specimen", "Prototype",
    "Maquette", "Ébauche", "Brouillon", "Esquisse", "Canevas", "Gabarit", "Patron", "Témoin",
]  # fmt: skip
STREETS = ["rue des Exemples", "quai de la Fiction", "montée de l'Essai", "place du Modèle"]
TIMES = ["le matin", "l'après-midi", "avant 11 h", "pas entre 12 h et 14 h", ""]
LANGUAGES = ["français"] * 9 + ["arabe", "portugais", "italien", "vietnamien"]


def _person(rng: random.Random, register: Register, commune: Commune, n: int, today: date):
    last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
    last = f"{last}-{n:03d}"  # unique, so that the demo never holds two records of one person
    criterion = rng.choices(list(Criterion), weights=[80, 8, 12])[0]
    minimum = {Criterion.AGED_65: 65, Criterion.UNFIT_60: 60, Criterion.DISABLED: 20}[criterion]
    born = today - timedelta(days=rng.randint(minimum + 1, 98) * 365 + rng.randint(0, 300))
    third_party = rng.random() < 0.2
    received = today - timedelta(days=rng.randint(0, 30)) if third_party else None
    consent_on = received or today - timedelta(days=rng.randint(1, 400))
    return RegisteredPerson(
        register=register,
        last_name=last,
        first_name=first,
        born_on=born,
        address=f"{rng.randint(1, 60)} {rng.choice(STREETS)}",
        postcode="69001",
        commune=commune,
        phone=f"+3319900{n:04d}",
        criterion=criterion,
        preferred_call_times=rng.choice(TIMES),
        language=rng.choice(LANGUAGES),
        hearing_difficulty=rng.random() < 0.15,
        home_care_service="SSIAD Fictif" if rng.random() < 0.3 else "",
        registered_by=(
            RegisteredPerson.RegisteredBy.THIRD_PARTY
            if third_party
            else RegisteredPerson.RegisteredBy.SELF
        ),
        requester_name="Proche Fictif" if third_party else "",
        requester_relation="enfant" if third_party else "",
        request_received_on=received,
        acknowledged_on=(
            received + timedelta(days=rng.randint(1, 6))
            if third_party and rng.random() < 0.6 and (today - received).days > 6
            else None
        ),
        consent_on=consent_on,
        consent_form=(
            RegisteredPerson.ConsentForm.THIRD_PARTY_REQUEST
            if third_party
            else rng.choice(
                [RegisteredPerson.ConsentForm.WRITTEN, RegisteredPerson.ConsentForm.PHONE]
            )
        ),
        status_on=consent_on,
        match_key=match_key(last, first, born),
    )


@transaction.atomic
def demo_registers() -> str:
    """Create the demo's register of Lyon 1er with about 200 synthetic people, once.

    Idempotent: the register is found by its commune, and people already there are kept (only
    the missing ones are added, with the same seed).
    """
    commune = Commune.objects.get(code=DEMO_COMMUNE)
    register, _created = Register.objects.get_or_create(
        commune=commune, defaults={"name": DEMO_REGISTER_NAME}
    )
    existing = register.people.count()
    if existing >= DEMO_PEOPLE:
        return f"{register.name}: {existing} people (unchanged)."
    rng = random.Random(DEMO_SEED)
    today = timezone.localdate()
    people = [_person(rng, register, commune, n, today) for n in range(DEMO_PEOPLE)]
    # A few ended registrations, waiting for their purge.
    for person in people[7::50]:
        person.status = RegisteredPerson.Status.DECEASED
        person.status_on = max(person.consent_on, today - timedelta(days=20))
        person.purge_due_on = person.purge_date_for(person.status, person.status_on)
    names = set(register.people.values_list("last_name", flat=True))
    created = RegisteredPerson.objects.bulk_create(p for p in people if p.last_name not in names)
    ContactPerson.objects.bulk_create(
        ContactPerson(
            person=person,
            name=f"Contact {person.last_name}",
            relation=rng.choice(["fille", "fils", "voisin", "voisine", "ami"]),
            phone=f"+3319901{index:04d}",
        )
        for index, person in enumerate(created)
        if rng.random() < 0.7
    )
    return f"{register.name}: {register.people.count()} people ({len(created)} added)."


DEMO_CAMPAIGN_NAME = "Canicule — appels quotidiens (CCAS de Lyon 1er)"
DEMO_CAMPAIGN_DAYS = 2  # started the day before yesterday: two days of calls already worked
DEMO_SCRIPT = (
    "Bonjour, ici le CCAS de la mairie du 1er arrondissement. Nous appelons les personnes "
    "inscrites au registre pendant la canicule.\n"
    "1. Comment allez-vous aujourd'hui ? Avez-vous assez d'eau et buvez-vous régulièrement ?\n"
    "2. Pouvez-vous garder votre logement au frais (volets fermés le jour, aérer la nuit) ?\n"
    "3. Avez-vous besoin de courses, de médicaments, d'une visite ?\n"
    "Numéro Canicule info service : 0 800 06 66 66 (appel gratuit)."
)
# The demo callers: French, and one other language each (the register's people speak these).
DEMO_CALLER_LANGUAGES = [["français", "arabe"], ["français", "portugais", "italien"]]
DEMO_CALLER_CAP = 120
# How likely a try reaches the person (or news of them), by step of the ladder.
REACHED_AT = {Step.PERSON: 0.72, Step.CONTACT: 0.6, Step.HOME_VISIT: 0.85, Step.EMERGENCY: 0.95}
# How long after the ladder allows the next try is actually made, by step (minutes).
DELAY_AT = {Step.PERSON: (0, 20), Step.CONTACT: (10, 40), Step.HOME_VISIT: (90, 180)}
NEEDS_SHARE = 0.035
OTHER_NEEDS = ["courses", "ventilateur", "renouvellement d'ordonnance", "eau en bouteilles"]
NOTES = ["Volets fermés, boit régulièrement.", "Fille passe le soir.", "Fatiguée par la chaleur."]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _answers(rng: random.Random) -> dict:
    """What a person reached says: whether they live alone, and now and then a need."""
    answers = {"alone": rng.random() < 0.45}
    if rng.random() < NEEDS_SHARE:
        need = rng.choice([*CallAttempt.NEEDS, "other_need"])
        if need == "other_need":
            answers["other_need"] = rng.choice(OTHER_NEEDS)
        else:
            answers[need] = True
    if rng.random() < 0.15:
        answers["note"] = rng.choice(NOTES)
    return answers


def _work_day(rng: random.Random, campaign: CallCampaign, day: date, callers: list) -> None:
    """The callers work the day's open calls from 9:00, trying again as the ladder says, until
    19:00; calls still open then wait for the next day."""
    by_pk = {user.pk: user for user in callers}
    clock = {user.pk: _at(day, 9) for user in callers}
    end = _at(day, 19)
    queue: list[tuple[datetime, int, int]] = []
    calls = Call.objects.filter(campaign=campaign, status=Call.Status.OPEN, due_on__lte=day)
    for n, (pk, caller_id) in enumerate(calls.order_by("due_on", "pk").values_list("pk", "caller")):
        caller_id = caller_id if caller_id in by_pk else callers[n % len(callers)].pk
        clock[caller_id] += timedelta(minutes=rng.randint(3, 7))
        heapq.heappush(queue, (clock[caller_id], pk, caller_id))
    while queue:
        at, pk, caller_id = heapq.heappop(queue)
        if at >= end:
            continue
        call = Call.objects.get(pk=pk)
        reached = rng.random() < REACHED_AT[call.step]
        attempt = call_attempt_record(
            call=call,
            caller=by_pk[caller_id],
            outcome=Outcome.REACHED if reached else Outcome.NO_ANSWER,
            now=at,
            **(_answers(rng) if reached else {}),
        )
        call = attempt.call
        if call.status == Call.Status.OPEN:
            low, high = DELAY_AT.get(call.step, (30, 60))
            following = max(call.next_try_at or at, at) + timedelta(minutes=rng.randint(low, high))
            heapq.heappush(queue, (following, pk, caller_id))


def _callers(point: ServicePoint, commune: Commune) -> list:
    """The demo agents of the town hall, made callers for its commune (kept if they are)."""
    users = list(
        get_user_model()
        .objects.filter(roles__service_point=point, is_active=True)
        .distinct()
        .order_by("username")
    )
    for n, user in enumerate(users):
        profile, created = CallerProfile.objects.get_or_create(
            user=user,
            defaults={
                "daily_cap": DEMO_CALLER_CAP,
                "languages": DEMO_CALLER_LANGUAGES[n % len(DEMO_CALLER_LANGUAGES)],
            },
        )
        if created:
            profile.communes.set([commune])
    return users


@transaction.atomic
def demo_campaigns(*, now: datetime | None = None) -> str:
    """Create the demo's heatwave campaign over the register of Lyon 1er, once: two days of calls
    worked (most people reached within hours, some along the ladder, a few needs becoming
    call-backs), and today's calls given to the town hall's callers.

    Idempotent: the campaign is found by its name; a later run only makes the day's lists
    (which the daily job does, and which change nothing run twice the same day).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    commune = Commune.objects.get(code=DEMO_COMMUNE)
    register = Register.objects.filter(commune=commune).first()
    point = (
        ServicePoint.objects.filter(network__slug=TOWN_HALL_NETWORK, commune=commune)
        .order_by("pk")
        .first()
    )
    reason = (
        Reason.objects.filter(is_active=True, opening_ranges__service_point=point)
        .distinct()
        .order_by("lottery", "pk")
        .first()
    )
    if register is None or point is None or reason is None:
        return "Demo campaign: no register, town hall or reason in Lyon 1er (skipped)."
    callers = _callers(point, commune)
    campaign = CallCampaign.objects.filter(name=DEMO_CAMPAIGN_NAME).first()
    if campaign is not None:
        created, _given = daily_call_lists(day=today, now=now)
        return f"{campaign.name}: {campaign.calls.count()} calls ({created} added today)."
    if not callers:
        return "Demo campaign: no agent at the town hall of Lyon 1er (skipped)."
    rng = random.Random(DEMO_SEED)
    started = today - timedelta(days=DEMO_CAMPAIGN_DAYS)
    manager = (
        Role.objects.filter(service_point=point, kind=Role.Kind.SITE_MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    manager = manager.user if manager is not None else callers[0]
    campaign = campaign_create(
        actor=manager,
        registers=[register],
        name=DEMO_CAMPAIGN_NAME,
        frequency_days=1,
        starts_on=started,
        alert_kind=CallCampaign.AlertKind.HEATWAVE,
        script=DEMO_SCRIPT,
        followup_service_point=point,
        followup_reason=reason,
    )
    campaign_activate(campaign=campaign, actor=manager, now=_at(started, 7))
    for day in (started + timedelta(days=n) for n in range(DEMO_CAMPAIGN_DAYS)):
        daily_call_lists(day=day, now=_at(day, 7, 30))
        _work_day(rng, campaign, day, callers)
    daily_call_lists(day=today, now=min(now, _at(today, 7, 30)))
    attempts = CallAttempt.objects.filter(call__campaign=campaign)
    return (
        f"{campaign.name}: {campaign.calls.count()} calls, {attempts.count()} tries,"
        f" {FollowUp.objects.filter(attempt__in=attempts).count()} call-backs of needs heard,"
        f" {campaign.calls.filter(due_on=today).count()} calls today for {len(callers)} callers."
    )
