"""Fixtures: the operator API over in-memory dependencies (see world.py)."""

from __future__ import annotations

import pytest

from tests.unit.api.apiclient import ApiClient
from tests.unit.api.world import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def client(world: World) -> ApiClient:
    return world.client
