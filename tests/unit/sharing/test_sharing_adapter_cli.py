"""`cosupervise adapter <agency> ingest FILE` reaches the adapters' CLI (an integrator's first
command), here without a broker: the records wait in the agency's outbox."""

from pathlib import Path

from adapters.sdk.ingest import outbox_path
from adapters.sdk.outbox import Outbox
from cosupervise.cli import main

SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "adapters"
    / "finance"
    / "samples"
    / "乡村振兴衔接资金拨付台账_2025.csv"
)


def test_the_platform_cli_runs_an_adapter(tmp_path, capsys):
    code = main(
        ["adapter", "finance", "ingest", str(SAMPLE), "--no-publish", "--var", str(tmp_path)]
    )
    assert code == 0
    assert "接收 accepted: 11" in capsys.readouterr().out
    with Outbox(outbox_path("finance", tmp_path)) as box:
        assert box.pending_counts()["records"] == 11
    assert main(["adapter", "nobody", "status", "--var", str(tmp_path)]) == 4
