"""Where an adapter finds its settings: the environment and the team's YAML config.

Only what an adapter needs is read here (unit registry, record kinds, AMQP URI, var folder), so an
adapter runs on an agency's machine with nothing but this repository and the broker's address.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import yaml

from contracts.records import DEFAULT_RECORD_KINDS

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")

# Used when no config file is found: the default registry of PRODUCT.md.
DEFAULT_UNITS = [
    {"id": "npc", "name": "区人大常委会"},
    {"id": "cdi", "name": "区纪委监委机关"},
    {"id": "plc", "name": "区委政法委"},
    {"id": "inspection", "name": "区委巡察办"},
    {"id": "audit", "name": "区审计局"},
    {"id": "finance", "name": "区财政局"},
    {"id": "statistics", "name": "区统计局"},
    {"id": "court", "name": "区人民法院"},
    {"id": "procuratorate", "name": "区人民检察院"},
    {"id": "agriculture", "name": "区农业农村委"},
    {"id": "ecology", "name": "区生态环境局"},
    {"id": "rural", "name": "区乡村振兴局"},
    {"id": "town-yudong", "name": "鱼洞街道"},
    {"id": "town-jieshi", "name": "界石镇"},
    {"id": "town-mudong", "name": "木洞镇"},
]

# How agencies commonly write unit names in their own exports, besides the registry's name.
NAME_ALIASES = {
    "区法院": "court",
    "人民法院": "court",
    "法院": "court",
    "区检察院": "procuratorate",
    "人民检察院": "procuratorate",
    "检察院": "procuratorate",
    "区农业农村委员会": "agriculture",
    "农业农村委": "agriculture",
    "区农委": "agriculture",
    "区生态环境局": "ecology",
    "生态环境局": "ecology",
    "乡村振兴局": "rural",
    "区乡村振兴局": "rural",
}


def _expand(value: str) -> str:
    return _ENV_RE.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)


def config_path() -> Path:
    return Path(os.environ.get("COSUPERVISE_CONFIG") or "config/cosupervise.yaml")


@lru_cache(maxsize=8)
def _load_config(path: str, mtime: float | None) -> dict:
    if mtime is None:
        return {}
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_config() -> dict:
    path = config_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = None
    return _load_config(str(path), mtime)


def amqp_uri(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    if os.environ.get("AMQP_URI"):
        return os.environ["AMQP_URI"]
    configured = load_config().get("AMQP_URI")
    return (
        _expand(configured)
        if isinstance(configured, str) and _expand(configured)
        else (DEFAULT_AMQP_URI)
    )


def var_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("COSUPERVISE_VAR") or "./var")


def record_kinds() -> dict:
    configured = load_config().get("record_kinds")
    if isinstance(configured, dict) and configured:
        return {k: tuple(v or ()) for k, v in configured.items()}
    return dict(DEFAULT_RECORD_KINDS)


def units() -> list[dict]:
    configured = load_config().get("units")
    if isinstance(configured, list) and configured:
        return [u for u in configured if isinstance(u, dict) and u.get("id")]
    return list(DEFAULT_UNITS)


def unit_resolver() -> dict[str, str]:
    """Name or id (as written in an export) → unit id."""
    table = {}
    for unit in units():
        table[str(unit["id"])] = str(unit["id"])
        if unit.get("name"):
            table[str(unit["name"])] = str(unit["id"])
    known = set(table.values())
    for alias, unit_id in NAME_ALIASES.items():
        if unit_id in known:
            table.setdefault(alias, unit_id)
    return table
