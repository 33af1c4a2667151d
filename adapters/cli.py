"""`cosupervise adapter <agency> ingest FILE | watch DIR | publish | status`.

The team's `cosupervise` CLI calls `add_subparser(subparsers)` and `run(args)`; until it exists,
`python -m adapters.cli adapter <agency> ...` does the same.

Exit codes: 0 the job was done (quarantined rows included); 2 the file or folder could not be
used; 3 the broker could not be reached (or refused us) — records stay in the outbox and a later
run publishes them; 4 unknown agency.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_FILE, EXIT_BROKER, EXIT_AGENCY = 0, 2, 3, 4


def add_subparser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "adapter",
        help="机构适配器：导入导出文件并发布到总线 (agency adapters)",
        description="读取机构导出文件（CSV/XLSX/JSON Lines），校验、签名、存入本地发件箱并发布。",
    )
    parser.add_argument(
        "agency", help="机构编号 agency id: cdi, plc, inspection, audit, finance, statistics"
    )
    actions = parser.add_subparsers(dest="adapter_action", metavar="ACTION")
    actions.required = True

    def common(p):
        p.add_argument(
            "--amqp-uri",
            default=None,
            help="消息代理地址 (default: $AMQP_URI or amqp://guest:guest@localhost:5672/)",
        )
        p.add_argument(
            "--var", default=None, help="数据目录 var folder (default: $COSUPERVISE_VAR or ./var)"
        )
        p.add_argument(
            "--retry-seconds",
            type=float,
            default=60.0,
            help="消息代理不可用时的重试时长（秒）(retry window, default 60)",
        )
        p.add_argument("--json", action="store_true", help="以 JSON 输出结果 (print JSON)")

    ingest = actions.add_parser("ingest", help="导入一个文件 (ingest one file)")
    ingest.add_argument("file")
    ingest.add_argument(
        "--no-publish", action="store_true", help="只存入发件箱，不发布 (store in the outbox only)"
    )
    common(ingest)

    watch = actions.add_parser("watch", help="监视目录中的新文件 (watch a folder)")
    watch.add_argument("dir")
    watch.add_argument("--interval", type=float, default=5.0, help="检查间隔秒数 (poll seconds)")
    watch.add_argument("--once", action="store_true", help="只检查一次后退出 (one poll, then exit)")
    common(watch)
    watch.set_defaults(retry_seconds=10.0)

    publish = actions.add_parser("publish", help="发布发件箱中待发布的记录 (publish pending)")
    common(publish)

    status = actions.add_parser("status", help="发件箱状态 (outbox status)")
    common(status)
    # `cosupervise` dispatches on `func`; `python -m adapters.cli` on `handler`
    parser.set_defaults(handler=run, func=run)
    return parser


def run(args) -> int:
    from adapters.sdk import settings
    from adapters.sdk.ingest import (
        IngestReport,
        format_summary,
        ingest_file,
        outbox_path,
        publish_pending,
    )
    from adapters.sdk.outbox import Outbox
    from adapters.sdk.registry import UnknownAgency, get_adapter
    from adapters.sdk.watch import watch

    try:
        adapter = get_adapter(args.agency)
    except UnknownAgency as exc:
        print(f"失败 failed: {exc}", file=sys.stderr)
        return EXIT_AGENCY

    def on_retry(exc, delay):
        print(
            f"消息代理暂不可用，{delay:g} 秒后重试 (broker unavailable, retrying): "
            f"{exc or exc.__class__.__name__}",
            file=sys.stderr,
        )

    action = args.adapter_action
    if action == "ingest":
        report = ingest_file(
            adapter,
            args.file,
            uri=args.amqp_uri,
            var=args.var,
            retry_seconds=args.retry_seconds,
            publish=not args.no_publish,
            on_retry=on_retry,
        )
        _print_report(report, args.json, format_summary)
        return _exit_code(report)
    if action == "watch":
        try:
            return watch(
                adapter,
                args.dir,
                uri=args.amqp_uri,
                var=args.var,
                interval=args.interval,
                retry_seconds=args.retry_seconds,
                once=args.once,
                log=lambda text: print(text, flush=True),
            )
        except KeyboardInterrupt:
            return EXIT_OK
    with Outbox(outbox_path(adapter.agency, args.var)) as outbox:
        if action == "publish":
            report = IngestReport(agency=adapter.agency, file="(outbox)")
            publish_pending(
                outbox, report, settings.amqp_uri(args.amqp_uri), args.retry_seconds, on_retry
            )
            _print_report(report, args.json, format_summary)
            return _exit_code(report)
        totals, pending = outbox.totals(), outbox.pending_counts()
        info = {
            "agency": adapter.agency,
            "outbox": str(outbox.path),
            **totals,
            "pending_records": pending["records"],
            "pending_quarantine": pending["quarantine"],
        }
        if args.json:
            print(json.dumps(info, ensure_ascii=False))
        else:
            print(
                f"{adapter.name}（{adapter.agency}）发件箱 outbox: {info['outbox']}\n"
                f"记录 records: {totals['records']}，已发布 sent {totals['records_sent']}，"
                f"待发布 pending {pending['records']}；隔离 quarantined {totals['quarantine']}，"
                f"待发布的隔离报告 pending reports {pending['quarantine']}"
            )
        return EXIT_OK


def _print_report(report, as_json: bool, formatter) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(formatter(report), file=sys.stdout if report.ok else sys.stderr)


def _exit_code(report) -> int:
    if report.error_kind == "file":
        return EXIT_FILE
    if report.error_kind == "broker":
        return EXIT_BROKER
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.cli", description="协同联动监督平台 机构适配器"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    add_subparser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
