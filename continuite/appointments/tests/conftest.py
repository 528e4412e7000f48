"""Fixtures of the appointments tests: an agent and their service point."""

import pytest

from continuite.accounts.tests.factories import RoleFactory


@pytest.fixture
def role(db):
    """An agent of a service point of their own."""
    return RoleFactory(agent=True)


@pytest.fixture
def point(role):
    """The agent's service point."""
    return role.service_point
