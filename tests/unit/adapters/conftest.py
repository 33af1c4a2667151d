import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) from anywhere
    sys.path.insert(0, str(ROOT))

SAMPLES = {
    a: ROOT / "adapters" / a / "samples"
    for a in ("cdi", "plc", "inspection", "audit", "finance", "statistics")
}


@pytest.fixture
def var(tmp_path, monkeypatch):
    """Each test has its own var folder (keys, outboxes) and the repository's config."""
    folder = tmp_path / "var"
    monkeypatch.setenv("COSUPERVISE_VAR", str(folder))
    monkeypatch.setenv("COSUPERVISE_CONFIG", str(ROOT / "config" / "cosupervise.yaml"))
    return folder


@pytest.fixture
def samples():
    return SAMPLES
