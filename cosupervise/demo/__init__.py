"""The 2025 demo story, loaded through the HTTP API as the demo users would enter it."""

import importlib

from cosupervise.demo import users
from cosupervise.demo.client import Api, ApiError

# each mechanism's part; a part whose module is not built yet is skipped
PARTS = ("planning", "leads", "rectification", "research", "sharing")


def already_loaded(api: Api) -> bool:
    try:
        api.get("office", "/api/v1/plans/2025")
        return True
    except ApiError as exc:
        if exc.status == 404:
            return False
        raise


def load_once(base_url: str, force: bool = False) -> str:
    users.create()
    api = Api(base_url, users.password())
    if already_loaded(api) and not force:
        return "演示数据已存在，未重复载入 (demo already loaded)"
    story: dict = {}
    loaded = []
    from runtime.migrations import enabled_services

    enabled = set(enabled_services())
    for part in PARTS:
        if part not in enabled:
            continue
        try:
            module = importlib.import_module(f"cosupervise.demo.{part}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cosupervise.demo.{part}":
                continue
            raise
        module.load(api, story)
        loaded.append(part)
    return f"已载入 2025 年演示数据 (demo loaded): {', '.join(loaded)}"
