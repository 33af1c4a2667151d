"""The one YAML configuration, with nameko's ``${VAR:default}`` expansion."""

import functools
import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "cosupervise.yaml"
SERVICES = ("planning", "leads", "rectification", "research", "sharing")

_ENV_PATTERN = re.compile(r"\$\{([A-Z0-9_]+)(?::([^}]*))?\}")


def _expand(text: str) -> str:
    def replace(match):
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value is None:
            value = default if default is not None else ""
        return value

    return _ENV_PATTERN.sub(replace, text)


def _coerce(value):
    """A whole-value ${...} expands to a string; give ints and bools back their type."""
    if isinstance(value, dict):
        return {k: _coerce(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_coerce(v) for v in value]
    if isinstance(value, str):
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if re.fullmatch(r"-?\d+\.\d+", value):
            return float(value)
    return value


def load_config(path: str | os.PathLike | None = None) -> dict:
    path = Path(path or os.environ.get("COSUPERVISE_CONFIG") or DEFAULT_CONFIG)
    raw = yaml.safe_load(_expand(path.read_text(encoding="utf-8")))
    config = _coerce(raw)
    config["WEB_SERVER_ADDRESS"] = config["http"]["gateway"]
    return config


@functools.lru_cache(maxsize=1)
def settings() -> dict:
    """The configuration of this process, read once."""
    return load_config()


def var_dir(config: dict | None = None) -> Path:
    path = Path((config or settings()).get("VAR_DIR") or "./var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_production(config: dict | None = None) -> bool:
    return (config or settings()).get("ENV") == "production"
