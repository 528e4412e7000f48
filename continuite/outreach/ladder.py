"""The attempt ladder of a campaign call, as a pure state machine (no database).

No answer: the person is tried again at other times (N tries, spaced so that they fit in M
hours), then their contact person, then a local team is asked for a home visit, then the
caller follows the emergency-services guidance. Reaching the person (or news of them) at any
step resolves the call; until then it stays open at the last step, visible to the callers.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    PERSON = "person", _("Call the person")
    CONTACT = "contact", _("Call the contact person")
    HOME_VISIT = "home_visit", _("Home visit by a local team")
    EMERGENCY = "emergency", _("Emergency services guidance")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")


ORDER = (Step.PERSON, Step.CONTACT, Step.HOME_VISIT, Step.EMERGENCY)


@dataclass(frozen=True)
class Settings:
    """How hard each step is tried: N tries of the person within M hours, spaced."""

    person_tries: int = 3
    window_hours: int = 6
    spacing_minutes: int = 120
    contact_tries: int = 2

    def tries_at(self, step: str) -> int | None:
        """Tries before moving on from a step (None: the last step, tried until resolved)."""
        return {
            Step.PERSON: self.person_tries,
            Step.CONTACT: self.contact_tries,
            Step.HOME_VISIT: 1,
            Step.EMERGENCY: None,
        }[step]

    def problems(self) -> list[str]:
        """What makes these settings unusable (empty when fine), as field names."""
        wrong = []
        if self.person_tries < 1:
            wrong.append("person_tries")
        if self.contact_tries < 1:
            wrong.append("contact_tries")
        if self.spacing_minutes < 1:
            wrong.append("spacing_minutes")
        if self.window_hours < 1 or (self.person_tries - 1) * self.spacing_minutes > (
            self.window_hours * 60
        ):
            wrong.append("window_hours")
        return wrong


@dataclass(frozen=True)
class State:
    """Where a call stands: its step, the tries made at it, when to try next, resolved or not."""

    step: str = Step.PERSON
    tries: int = 0
    next_try_at: datetime | None = None
    resolved: bool = False


def advance(state: State, outcome: str, at: datetime, settings: Settings) -> State:
    """The state after an attempt at `state.step` with this outcome, made at `at`."""
    if state.resolved:
        raise ValueError("a resolved call takes no more attempts")
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == Outcome.REACHED:
        return replace(state, tries=state.tries + 1, next_try_at=None, resolved=True)
    tries = state.tries + 1
    limit = settings.tries_at(state.step)
    if limit is None or tries < limit:
        spacing = timedelta(minutes=settings.spacing_minutes if state.step == Step.PERSON else 0)
        return replace(state, tries=tries, next_try_at=at + spacing)
    following = ORDER[ORDER.index(state.step) + 1]
    return State(step=following, tries=0, next_try_at=at, resolved=False)
