"""`cosupervise audit verify` on the running platform's own databases: a tampered entry fails it."""

import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def verify(stack):
    return subprocess.run(
        [sys.executable, "-m", "cosupervise.cli", "audit", "verify"],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_audit_verify_reports_an_edited_entry_and_passes_once_restored(stack):
    if stack.database != "sqlite":
        pytest.skip("tampers with the SQLite file directly")
    ok = verify(stack)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "✓ planning" in ok.stdout

    db = sqlite3.connect(stack.var / "planning.db", timeout=30)
    seq, original = db.execute(
        "SELECT seq, actor FROM audit_log ORDER BY seq LIMIT 1 OFFSET 3"
    ).fetchone()
    with db:
        db.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = ?", (seq,))
    bad = verify(stack)
    assert bad.returncode == 1
    assert f"第 {seq} 条内容被篡改" in bad.stdout and "✗ planning" in bad.stdout
    assert "FAILED" in bad.stderr

    with db:
        db.execute("UPDATE audit_log SET actor = ? WHERE seq = ?", (original, seq))
    assert verify(stack).returncode == 0

    with db:  # the newest entry deleted: the chain head notices
        last = db.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        cols = [c[1] for c in db.execute("PRAGMA table_info(audit_log)")]
        db.execute("DELETE FROM audit_log WHERE seq = ?", (last[cols.index("seq")],))
    gone = verify(stack)
    assert gone.returncode == 1 and "链头" in gone.stdout
    with db:
        db.execute(
            f"INSERT INTO audit_log ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            last,
        )
    assert verify(stack).returncode == 0
    db.close()
