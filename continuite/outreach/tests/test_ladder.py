"""The attempt ladder as a state machine: reached resolves, no answer climbs step by step, each
step tried as often as the campaign says, and an unresolved call stays open at a visible step."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuite.outreach.ladder import ORDER, Outcome, Settings, State, Step, advance

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)

settings_strategy = st.builds(
    Settings,
    person_tries=st.integers(1, 5),
    window_hours=st.just(24),
    spacing_minutes=st.integers(1, 240),
    contact_tries=st.integers(1, 4),
)
outcomes = st.lists(st.sampled_from(Outcome.values), max_size=30)


def run(settings, sequence):
    """Apply outcomes until resolved; every state visited, with the step each attempt was at."""
    state, at, visited = State(next_try_at=START), START, []
    for outcome in sequence:
        if state.resolved:
            break
        before = state
        state = advance(state, outcome, at, settings)
        visited.append((before, outcome, state))
        at += timedelta(minutes=settings.spacing_minutes)
    return state, visited


@given(settings_strategy, outcomes)
def test_every_sequence_ends_resolved_or_open_at_a_step(settings, sequence):
    state, _ = run(settings, sequence)
    assert state.resolved or state.step in ORDER
    if not state.resolved:
        assert state.next_try_at is not None  # still on someone's list


@given(settings_strategy, outcomes)
def test_the_ladder_never_skips_a_step(settings, sequence):
    _, visited = run(settings, sequence)
    for before, _, after in visited:
        moved = ORDER.index(after.step) - ORDER.index(before.step)
        assert moved in (0, 1)


@given(settings_strategy, outcomes)
def test_each_step_is_tried_as_often_as_the_settings_say(settings, sequence):
    _, visited = run(settings, sequence)
    tries = {}
    for before, outcome, after in visited:
        tries[before.step] = tries.get(before.step, 0) + 1
        limit = settings.tries_at(before.step)
        assert limit is None or tries[before.step] <= limit
        if after.step != before.step:
            assert outcome == Outcome.NO_ANSWER
            assert tries[before.step] == limit


@given(settings_strategy, st.integers(0, 12))
def test_reached_at_any_point_resolves(settings, no_answers):
    state, _ = run(settings, [Outcome.NO_ANSWER] * no_answers + [Outcome.REACHED])
    assert state.resolved
    assert state.next_try_at is None


def test_no_answer_retries_the_person_after_the_spacing_then_calls_the_contact():
    settings = Settings(person_tries=2, window_hours=6, spacing_minutes=90, contact_tries=1)
    first = advance(State(), Outcome.NO_ANSWER, START, settings)
    assert (first.step, first.tries) == (Step.PERSON, 1)
    assert first.next_try_at == START + timedelta(minutes=90)
    second = advance(first, Outcome.NO_ANSWER, first.next_try_at, settings)
    assert (second.step, second.tries) == (Step.CONTACT, 0)
    third = advance(second, Outcome.NO_ANSWER, second.next_try_at, settings)
    assert third.step == Step.HOME_VISIT
    fourth = advance(third, Outcome.NO_ANSWER, START, settings)
    assert fourth.step == Step.EMERGENCY
    fifth = advance(fourth, Outcome.NO_ANSWER, START, settings)
    assert (fifth.step, fifth.resolved) == (Step.EMERGENCY, False)


def test_a_resolved_call_takes_no_more_attempts():
    resolved = advance(State(), Outcome.REACHED, START, Settings())
    with pytest.raises(ValueError):
        advance(resolved, Outcome.NO_ANSWER, START, Settings())


def test_tries_that_do_not_fit_in_the_window_are_refused():
    assert Settings(person_tries=4, window_hours=2, spacing_minutes=60).problems() == [
        "window_hours"
    ]
    assert Settings(person_tries=3, window_hours=2, spacing_minutes=60).problems() == []
