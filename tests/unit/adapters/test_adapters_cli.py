"""The command line: exit codes, summaries, and the watch folder (no broker needed here)."""

import argparse
import shutil
import socket
import threading

import pytest

from adapters import cli
from adapters.sdk import get_adapter
from adapters.sdk.ingest import outbox_path
from adapters.sdk.outbox import Outbox
from adapters.sdk.watch import watch


def closed_port_uri():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/"


def test_add_subparser_plugs_into_another_cli():
    parser = argparse.ArgumentParser(prog="cosupervise")
    sub = parser.add_subparsers(dest="command")
    cli.add_subparser(sub)
    args = parser.parse_args(["adapter", "finance", "ingest", "x.csv", "--retry-seconds", "2"])
    assert (args.agency, args.adapter_action, args.file, args.retry_seconds) == (
        "finance",
        "ingest",
        "x.csv",
        2.0,
    )
    assert args.handler is cli.run
    assert parser.parse_args(["adapter", "plc", "watch", "d"]).retry_seconds == 10.0


def test_ingest_without_broker_stores_and_exits_0(var, samples, capsys):
    path = samples["cdi"] / "已结案件信息表_2025.csv"
    assert cli.main(["adapter", "cdi", "ingest", str(path), "--no-publish"]) == 0
    out = capsys.readouterr().out
    assert "读取 read: 4" in out and "接收 accepted: 4" in out and "待发布 pending: 4" in out
    assert (var / "keys" / "cdi.key").exists() and (var / "keys" / "cdi.pub").exists()


def test_quarantined_rows_still_exit_0(var, samples, capsys):
    path = samples["cdi"] / "broken" / "已结案件信息表_含错误行.csv"
    assert cli.main(["adapter", "cdi", "ingest", str(path), "--no-publish"]) == 0
    out = capsys.readouterr().out
    assert "隔离 quarantined: 3" in out and "第 4 行" in out


def test_unreadable_file_exits_2_and_says_why(var, tmp_path, capsys):
    assert cli.main(["adapter", "cdi", "ingest", str(tmp_path / "nope.csv"), "--no-publish"]) == 2
    assert "无法读取" in capsys.readouterr().err


def test_unknown_agency_exits_4(var, capsys):
    assert cli.main(["adapter", "weather", "status"]) == 4
    assert "未知的单位" in capsys.readouterr().err


def test_broker_unreachable_exits_3_and_keeps_records(var, samples, capsys):
    path = samples["cdi"] / "已结案件信息表_2025.csv"
    code = cli.main(
        [
            "adapter",
            "cdi",
            "ingest",
            str(path),
            "--amqp-uri",
            closed_port_uri(),
            "--retry-seconds",
            "0.6",
        ]
    )
    assert code == 3
    err = capsys.readouterr().err
    assert "无法连接消息代理" in err and "发件箱" in err
    with Outbox(outbox_path("cdi")) as box:
        assert box.pending_counts()["records"] == 4
    assert cli.main(["adapter", "cdi", "status", "--json"]) == 0
    assert '"pending_records": 4' in capsys.readouterr().out


def test_watch_once_processes_each_file_once_and_moves_nothing(var, samples, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(samples["plc"] / "案件质量评查台账_2025.csv", drop / "a.csv")
    shutil.copy(samples["plc"] / "信访投诉登记表_2025.csv", drop / "b.csv")
    (drop / "~$b.xlsx").write_bytes(b"lock file")
    (drop / "notes.docx").write_bytes(b"ignored")
    logs = []
    uri = closed_port_uri()
    assert (
        watch(get_adapter("plc"), drop, uri=uri, once=True, retry_seconds=0, log=logs.append) == 3
    )
    assert sum("读取 read" in line for line in logs) == 2
    assert sorted(p.name for p in drop.iterdir()) == ["a.csv", "b.csv", "notes.docx", "~$b.xlsx"]
    logs.clear()
    watch(get_adapter("plc"), drop, uri=uri, once=True, retry_seconds=0, log=logs.append)
    assert not any("读取 read" in line for line in logs)  # nothing new
    with open(drop / "a.csv", "ab") as fh:  # changed file: processed again, stores nothing twice
        fh.write(
            "PC2025-099,（2025）渝0113执9号,执行案件,区人民法院,合格,80,,,2025-09-01\r\n".encode()
        )
    watch(get_adapter("plc"), drop, uri=uri, once=True, retry_seconds=0, log=logs.append)
    assert any("新增 new 1，重复 duplicate 6" in line for line in logs)


def test_watch_waits_until_a_file_stops_changing(var, samples, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(samples["cdi"] / "已结案件信息表_2025.csv", drop / "c.csv")
    stop = threading.Event()
    logs = []

    def log(text):
        logs.append(text)
        if "读取 read" in text:
            stop.set()

    thread = threading.Thread(
        target=watch,
        args=(get_adapter("cdi"), drop),
        kwargs=dict(uri=closed_port_uri(), interval=0.05, retry_seconds=0, stop=stop, log=log),
    )
    thread.start()
    thread.join(timeout=10)
    stop.set()
    assert not thread.is_alive()
    assert sum("读取 read" in line for line in logs) == 1


@pytest.mark.parametrize("missing", ["nope"])
def test_watch_missing_folder_exits_2(var, tmp_path, missing):
    assert watch(get_adapter("cdi"), tmp_path / missing, log=lambda t: None) == 2
