"""`adapter <agency> watch DIR`: a folder an agency drops its exports into.

Polls the folder; each new or changed file (by content hash) is processed once, after its size and
time stopped changing between two polls (so a half-copied file is not read). Files are never moved
or deleted: the folder belongs to the agency. Pending records are published after each poll; while
the broker is away they wait in the outbox and the watcher keeps going.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from adapters.sdk import settings
from adapters.sdk.ingest import (
    IngestReport,
    file_hash,
    format_summary,
    outbox_path,
    process_file,
)
from adapters.sdk.mapping import Adapter
from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import BrokerUnavailable, flush
from adapters.sdk.readers import SUPPORTED_SUFFIXES, FileUnreadable
from contracts.records import load_or_create_private_key


def candidate_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.iterdir()):
        name = path.name
        # Office lock files (~$x.xlsx), hidden files and partial downloads are not exports.
        if name.startswith(("~$", ".")) or name.endswith((".tmp", ".part", ".crdownload")):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return files


def watch(
    adapter: Adapter,
    folder: str | Path,
    *,
    uri: str | None = None,
    var: str | Path | None = None,
    interval: float = 5.0,
    retry_seconds: float = 10.0,
    once: bool = False,
    stop: threading.Event | None = None,
    log: Callable[[str], None] = print,
) -> int:
    folder = Path(folder)
    if not folder.is_dir():
        log(f"失败 failed: 目录不存在或不可读：{folder} (no such folder)")
        return 2
    uri = settings.amqp_uri(uri)
    key = load_or_create_private_key(adapter.agency, settings.var_dir(var))
    stop = stop or threading.Event()
    last_seen: dict[Path, tuple[int, int]] = {}
    log(
        f"监视目录 watching {folder}（{adapter.name} {adapter.agency}），每 {interval:g} 秒检查一次"
    )
    with Outbox(outbox_path(adapter.agency, var)) as outbox:
        while True:
            for path in candidate_files(folder):
                try:
                    st = path.stat()
                except OSError:
                    continue
                signature = (st.st_size, st.st_mtime_ns)
                stable = once or last_seen.get(path) == signature
                last_seen[path] = signature
                if not stable:
                    continue
                try:
                    digest = file_hash(path)
                except OSError:
                    continue
                if outbox.file_seen(digest):
                    continue
                try:
                    report = process_file(adapter, path, outbox, key, content_hash=digest)
                    status = "processed"
                except FileUnreadable as exc:
                    report = IngestReport(
                        agency=adapter.agency, file=str(path), error=str(exc), error_kind="file"
                    )
                    status = "failed"
                outbox.remember_file(digest, str(path), status, report.to_dict())
                log(format_summary(report))
            pending = outbox.pending_counts()
            if pending["records"] or pending["quarantine"]:
                try:
                    result = flush(
                        outbox,
                        adapter.agency,
                        uri,
                        retry_seconds=retry_seconds,
                        private_key=key,
                    )
                    log(
                        f"已发布 published: {result.records_published} 条记录 records，"
                        f"{result.quarantine_published} 条隔离报告 quarantine reports"
                    )
                except BrokerUnavailable as exc:
                    left = outbox.pending_counts()
                    log(f"暂未发布 not yet published ({left['records']} 条待发布 pending): {exc}")
                    if exc.permanent or once:
                        return 3
            if once or stop.wait(interval):
                return 0
