"""The whole HTTP API fuzzed from /api/v1/openapi.json with schemathesis (pinned in .venv):
every check, bounded examples, as the office and as an agency's liaison. 0 server errors, 0
responses outside the documented statuses, content types, headers and schemas.

tests/security/schemathesis.toml holds the few documented exceptions and why.
"""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = ROOT / ".venv" / "bin" / "schemathesis"


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "who, phases, examples",
    [
        ("office", "examples,coverage,fuzzing", 4),
        ("cdi-liaison", "fuzzing", 4),
    ],
)
def test_api_fuzzed_from_its_openapi_document(stack, callers, tmp_path, who, phases, examples):
    report = tmp_path / "report.json"
    cmd = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{stack.url}/api/v1/openapi.json",
        "--url",
        stack.url,
        "-H",
        f"Authorization: Bearer {callers.tokens[who]}",
        # every check is on unless schemathesis.toml turns one off for an operation (a
        # `--checks all` here would override those per-operation exceptions)
        "--max-examples",
        str(examples),
        "--phases",
        phases,
        "--seed",
        "8",
        "--workers",
        "2",
        "--no-color",
        "--generation-database",
        "none",
        "--exclude-path-regex",
        "^/(static|metrics)",  # files and Prometheus text
        "--request-timeout",
        "30",
        "--output-truncate",
        "true",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=280)
    (tmp_path / "output.txt").write_text(result.stdout + result.stderr)
    data = json.loads(report.read_text()) if report.exists() else {}
    failures = {f["code"]: (f["count"], f["operations"]) for f in data.get("failures", [])}
    cases = data.get("test_cases") or {}
    tested = (data.get("operations") or {}).get("tested")
    print(
        f"\n[schemathesis as {who}] phases={phases} max_examples={examples} "
        f"operations_tested={tested} test_cases={cases.get('generated')} "
        f"with_failures={cases.get('with_failures')} failures={failures or 0} "
        f"exit={result.returncode}",
        flush=True,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
