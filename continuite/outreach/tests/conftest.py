"""Fixtures of the outreach tests: the agents of Lyon 1er's town hall."""

import pytest

from continuite.accounts.tests.factories import RoleFactory
from continuite.outreach.tests.campaign_factories import CallerProfileFactory
from continuite.outreach.tests.factories import town_hall


@pytest.fixture
def agent():
    """An agent of Lyon 1er's town hall: Lyon 1er's register is in their scope."""
    return RoleFactory(service_point=town_hall("69381"), agent=True).user


@pytest.fixture
def caller(agent):
    """The same agent, who also calls for their commune's campaigns."""
    CallerProfileFactory(user=agent)
    return agent
