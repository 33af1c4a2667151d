"""Fixtures of tests/deploy: each overlay rendered once per session."""

from __future__ import annotations

import pytest
import yaml
from deploy_helpers import OVERLAYS, rendered_text


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def rendered(overlay) -> list[dict]:
    """The overlay as `kubectl kustomize` renders it, one dict per object."""
    return [doc for doc in yaml.safe_load_all(rendered_text(overlay)) if doc]
