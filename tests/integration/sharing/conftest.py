"""The sharing service started on the test's own vhost and database (see sharing_support)."""

import pytest
from sharing_support import Bus


@pytest.fixture
def bus(platform):
    from services.sharing.service import SharingService

    platform.start(SharingService)
    return Bus(platform)
