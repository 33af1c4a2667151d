"""The "1+N" unit registry, read from configuration (adding a unit needs no code)."""

from dataclasses import dataclass

from runtime.config import settings

OFFICE_UNIT = "npc"
ROLES = ("office_admin", "liaison", "supervised", "viewer", "adapter", "system")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str  # npc | agency | supervised
    supervision_type: str | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "supervision_type": self.supervision_type,
        }


class Registry:
    def __init__(self, entries: list[dict]):
        self._units = {e["id"]: Unit(**e) for e in entries}

    def get(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def __contains__(self, unit_id) -> bool:
        return unit_id in self._units

    def all(self) -> list[Unit]:
        return list(self._units.values())

    def ids(self, kind: str | None = None) -> list[str]:
        return [u.id for u in self._units.values() if kind is None or u.kind == kind]

    def coordinating(self) -> list[str]:
        """The "1+N": the standing committee and every coordinating agency."""
        return [u.id for u in self._units.values() if u.kind in ("npc", "agency")]

    def supervised(self) -> list[str]:
        return self.ids("supervised")

    def name(self, unit_id: str) -> str:
        unit = self.get(unit_id)
        return unit.name if unit else unit_id


def registry(config: dict | None = None) -> Registry:
    return Registry((config or settings())["units"])
