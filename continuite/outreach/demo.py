"""Synthetic register for the demo: the social action centre of Lyon 1er and ~200 invented people.

Every name, address and phone number is invented: the phones are in the range reserved for
fiction (01 99 00 xx xx), the streets do not exist.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from continuite.core.models import Commune

from .models import ContactPerson, Criterion, Register, RegisteredPerson, match_key

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
        date_of_birth=born,
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
        person.purge_after = person.purge_date_for(person.status, person.status_on)
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
