"""Search across services: each answers within the caller's rights; here they are merged."""

from gateway.views.kinds import OWNER, rank

MAX_Q = 100


def merge(q: str, answers: dict, *, limit: int) -> dict:
    """``answers``: {service: {"items": [...]} or the exception it failed with}."""
    hits, unavailable, seen = [], [], set()
    for service, answer in answers.items():
        if not isinstance(answer, dict):
            unavailable.append(service)
            continue
        for item in answer.get("items") or []:
            if not isinstance(item, dict) or not item.get("kind") or item.get("id") in (None, ""):
                continue
            ref = (str(item["kind"]), str(item["id"]))
            if ref in seen:
                continue
            seen.add(ref)
            hits.append({**item, "id": ref[1], "service": OWNER.get(ref[0], service)})
    hits.sort(key=lambda h: (_relevance(q, h), rank(h["kind"])))
    hits = hits[:limit]
    return {"q": q, "items": hits, "total": len(hits), "unavailable": sorted(unavailable)}


def _relevance(q: str, hit: dict) -> int:
    """Title equal, then title starting with q, then title containing it, then elsewhere."""
    title = str(hit.get("title") or "")
    if title == q:
        return 0
    if title.startswith(q):
        return 1
    if q in title:
        return 2
    return 3


def clean(q) -> str:
    return " ".join(str(q or "").split())
