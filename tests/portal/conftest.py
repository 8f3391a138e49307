"""Clients signed in as the `world` fixture's users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tamin.accounts.models import User


@pytest.fixture
def signed_in(world) -> Callable[[str | User], Client]:
    """`signed_in(Role.INSURED)` or `signed_in(user)`: a client with that user's session."""

    def make(who: str | User) -> Client:
        user = who if isinstance(who, User) else world.users[who]
        client = Client()
        client.force_login(user)
        return client

    return make
