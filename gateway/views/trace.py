"""The trace of a matter: a breadth-first walk over the services' ``links`` answers.

Each owning service answers ``links({kind, id})`` with the node and its neighbours, within the
caller's need-to-know. A neighbour whose owner answers 404 is simply left out, with every edge
to it, so a trace never tells that a hidden lead exists. The walk is bounded in depth and size:
a trace is for reading, not for crawling the platform.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.views.kinds import OWNER, rank

MAX_DEPTH = 6
MAX_NODES = 150


class Hidden:
    """The owner answered 404: absent, or outside the caller's need-to-know."""


class Unavailable:
    """The owner did not answer (down, timed out, or without a ``links`` method)."""

    def __init__(self, service: str | None = None):
        self.service = service


Ref = tuple[str, str]  # (kind, id)
# one level of the walk: the refs to look up -> {ref: {"node", "links"} | Hidden | Unavailable}
Lookup = Callable[[list[Ref]], dict]


def key(ref: Ref) -> str:
    return f"{ref[0]}:{ref[1]}"


@dataclass
class Trace:
    root: Ref
    nodes: dict = field(default_factory=dict)  # ref -> node dict, in discovery order
    edges: dict = field(default_factory=dict)  # frozenset({ref, ref}) -> relation or None
    truncated: bool = False
    unavailable: set = field(default_factory=set)

    def answer(self) -> dict:
        edges = []
        for pair, relation in self.edges.items():
            a, b = sorted(pair, key=lambda r: (rank(r[0]), r))
            if a in self.nodes and b in self.nodes:
                edge = {"from": key(a), "to": key(b)}
                if relation:
                    edge["relation"] = relation
                edges.append(edge)
        edges.sort(key=lambda e: (e["from"], e["to"]))
        return {
            "root": {"kind": self.root[0], "id": self.root[1], "key": key(self.root)},
            "nodes": list(self.nodes.values()),
            "edges": edges,
            "truncated": self.truncated,
            "unavailable": sorted(self.unavailable),
        }


def walk(
    root: Ref, lookup: Lookup, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Trace | Hidden | Unavailable:
    """Hidden or Unavailable when the root itself is; otherwise the trace."""
    trace = Trace(root=root)
    seen = {root}
    frontier = [root]
    depth = 0
    while frontier:
        answers = lookup(frontier)
        following = []
        for ref in frontier:
            answer = answers.get(ref)
            if ref == root and not isinstance(answer, dict):
                return answer if isinstance(answer, (Hidden, Unavailable)) else Unavailable()
            if isinstance(answer, Unavailable):
                trace.unavailable.add(answer.service or OWNER.get(ref[0], "?"))
                continue
            if not isinstance(answer, dict):
                continue  # Hidden: as if it did not exist
            trace.nodes[ref] = _node(ref, answer.get("node") or {}, depth)
            for link in answer.get("links") or []:
                other = _ref(link)
                if other is None or other == ref:
                    continue
                pair = frozenset((ref, other))
                relation = link.get("relation") if isinstance(link.get("relation"), str) else None
                if relation or pair not in trace.edges:
                    trace.edges[pair] = relation or trace.edges.get(pair)
                if other in seen:
                    continue
                if depth + 1 > max_depth or len(seen) >= max_nodes:
                    trace.truncated = True
                    continue
                seen.add(other)
                following.append(other)
        frontier = following
        depth += 1
    return trace


def _ref(link) -> Ref | None:
    if not isinstance(link, dict):
        return None
    kind, ident = link.get("kind"), link.get("id")
    if kind not in OWNER or ident in (None, ""):
        return None  # a kind no service owns cannot be looked up, so it cannot be shown
    return (str(kind), str(ident))


def _node(ref: Ref, node: dict, depth: int) -> dict:
    out = {k: v for k, v in node.items() if k not in ("kind", "id")}
    out.update(
        {"kind": ref[0], "id": ref[1], "key": key(ref), "depth": depth, "service": OWNER[ref[0]]}
    )
    out.setdefault("title", ref[1])
    return out


def with_reverse_links(answer, reverse) -> object:
    """The owner's answer for a node, plus links another service keeps about it (research knows
    which topics study an item). Only a node the caller may see gains them; a reverse answer
    that failed adds nothing."""
    if not isinstance(answer, dict) or not isinstance(reverse, dict):
        return answer
    extra = [link for link in reverse.get("links") or [] if isinstance(link, dict)]
    return {**answer, "links": [*(answer.get("links") or []), *extra]} if extra else answer
