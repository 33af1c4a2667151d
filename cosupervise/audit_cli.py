"""`cosupervise audit verify|head`: checks every service's hash chain."""

import json
import sys

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from runtime import audit
from runtime.engine import make_engine
from runtime.migrations import _package, available


def _tables(name):
    import importlib

    return importlib.import_module(_package(name) + ".models").Base.metadata.tables


def heads() -> dict:
    result = {}
    for name in available():
        engine = make_engine(name)
        with Session(engine) as session:
            result[name] = audit.head(session.connection(), _tables(name))
        engine.dispose()
    return result


def run(args) -> int:
    if args.audit_command == "head":
        text = json.dumps(heads(), indent=2)
        if args.output == "-":
            print(text)
        else:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        return 0
    exported = json.load(open(args.heads, encoding="utf-8")) if args.heads else {}
    failed = False
    for name in available():
        engine = make_engine(name)
        if not inspect(engine).has_table("audit_log"):
            engine.dispose()
            print(f"- {name}: 尚未初始化 (not migrated yet)")
            continue
        if engine.dialect.name == "postgresql":
            # the log and its head read from one snapshot: a write landing between the two
            # reads would otherwise look like a truncated chain
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(engine) as session:
            conn = session.connection()
            problems = audit.verify(conn, _tables(name))
            if name in exported and not audit.contains(conn, _tables(name), exported[name]):
                problems.append(
                    f"导出的链头 #{exported[name]['seq']} 已不在链中 (an exported head "
                    "is no longer part of the chain: the database was rewritten)"
                )
            count = audit.head(conn, _tables(name))["seq"]
        engine.dispose()
        if problems:
            failed = True
            print(f"✗ {name}: {len(problems)} 处问题 (problems)")
            for p in problems:
                print(f"    {p}")
        else:
            print(f"✓ {name}: {count} 条记录完整 (chain intact)")
    if failed:
        print("审计链校验失败 (audit chain verification FAILED)", file=sys.stderr)
        return 1
    print("审计链完整 (audit chain verified)")
    return 0
