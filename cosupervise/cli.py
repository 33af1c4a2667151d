"""cosupervise — 协同联动监督平台的命令行。"""

import argparse
import json
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
# nameko 2.14 runs on eventlet by design (the chosen stack); its import-time notice is noise here
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def cmd_serve(args) -> int:
    from cosupervise.serve import serve

    return serve(args.name)


def cmd_migrate(args) -> int:
    from cosupervise import broker
    from runtime import topology
    from runtime.config import settings
    from runtime.migrations import upgrade_all

    done = upgrade_all()
    print(f"数据库迁移完成 (migrated): {', '.join(done)}")
    if not args.skip_broker:
        broker.ensure(settings()["AMQP_URI"])
        count = topology.declare(settings()["AMQP_URI"])
        print(f"消息总线拓扑已声明 (declared {count} queues)")
    return 0


def cmd_up(args) -> int:
    from cosupervise import broker, supervisor
    from runtime import topology
    from runtime.config import settings
    from runtime.migrations import upgrade_all

    config = settings()
    broker.ensure(config["AMQP_URI"])
    upgrade_all()
    topology.declare(config["AMQP_URI"])
    names = supervisor.running_services()
    children = supervisor.start_children(names)
    url = supervisor.base_url()
    try:
        supervisor.wait_ready(url, children)
        if args.demo:
            from cosupervise.demo import load_once

            print(load_once(url), flush=True)
    except BaseException:
        supervisor.stop_children(children)
        raise
    print(
        f"\n协同联动监督平台已启动: {url}\n  服务: {', '.join(names)}\n"
        "  演示账号: office / leader / cdi-liaison / court-reporter …（密码 demo）\n"
        "  Ctrl-C 停止\n",
        flush=True,
    )
    return supervisor.supervise(children)


def cmd_demo(args) -> int:
    from cosupervise import supervisor
    from cosupervise.demo import load_once

    print(load_once(args.url or supervisor.base_url(), force=args.force))
    return 0


def cmd_audit(args) -> int:
    from cosupervise import audit_cli

    return audit_cli.run(args)


def cmd_makemigrations(args) -> int:
    from runtime.migrations import make_revision

    make_revision(args.name, args.message)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cosupervise", description="协同联动监督平台")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("up", help="迁移并启动全部服务与网关 (run every service and the gateway)")
    p.add_argument("--demo", action="store_true", help="首次启动时载入 2025 年演示数据")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("serve", help="在本进程运行一个服务 (one service per process)")
    p.add_argument(
        "name", choices=["planning", "leads", "rectification", "research", "sharing", "gateway"]
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="运行数据库迁移并声明消息拓扑")
    p.add_argument("--skip-broker", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="载入 2025 年演示数据（平台须已运行）")
    p.add_argument("--url", default=None)
    p.add_argument("--force", action="store_true", help="即使已载入也再次载入")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("audit", help="审计链 (audit chain)")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser("verify", help="校验每个服务的审计哈希链")
    v.add_argument("--heads", help="之前导出的链头文件：确认链仍包含它们")
    h = audit_sub.add_parser("head", help="导出各服务审计链的链头 (JSON)")
    h.add_argument("--output", "-o", default="-")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("makemigrations", help="(开发) 为服务生成 Alembic 迁移")
    p.add_argument("name")
    p.add_argument("-m", "--message", required=True)
    p.set_defaults(func=cmd_makemigrations)

    __import__("cosupervise.deadletters", fromlist=["_"]).add_subparser(sub)  # 死信队列

    try:
        from adapters.cli import add_subparser
        from adapters.cli import run as run_adapter

        # adapters.cli dispatches on its own `handler`; main() calls `func`
        add_subparser(sub).set_defaults(func=run_adapter)
    except ImportError:
        pass
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["main", "json"]
