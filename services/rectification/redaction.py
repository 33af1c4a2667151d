"""The public copy of a circular: every marked string and personal name masked.

Personal names become "surname + 某" (张三 → 张某), as published Chinese circulars write them;
everything else the author marks becomes ■, one per character. Matching ignores case, and a
public copy is checked once more after masking: if any sensitive string could still be read
in it (a mask that spells another marked string, a marked string inside a fixed field name)
the copy is refused rather than published.
"""

import json
import re

from contracts.errors import RuleViolation

MASK = "■"
NAME_MASK = "某"
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "轩辕",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "申屠",
)
_CJK = re.compile(r"^[\u3400-\u9fff\u00b7]+$")


def terms(redact, names) -> list[str]:
    """Every string the public must never read, longest first."""
    seen, out = set(), []
    for t in [*(names or []), *(redact or [])]:
        t = (t or "").strip()
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return sorted(out, key=len, reverse=True)


def mask_name(name: str) -> str:
    """张三 → 张某, 欧阳娜娜 → 欧阳某; a name in another script is masked whole."""
    name = name.strip()
    if not _CJK.match(name) or len(name) < 2:
        return MASK * len(name)
    surname = next(
        (s for s in COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[0]
    )
    return surname + NAME_MASK


def _spans(text: str, words) -> list[tuple[int, int]]:
    spans = []
    for w in words:
        for m in re.finditer(re.escape(w), text, flags=re.IGNORECASE):
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:  # adjacent marks stay apart: 科长 + 周某
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def leaks(text: str, words) -> list[str]:
    folded = (text or "").casefold()
    return [w for w in words if w.casefold() in folded]


def redact_text(text: str, redact=(), names=()) -> str:
    if not text:
        return text
    words = terms(redact, names)
    if not words:
        return text
    name_keys = {n.strip().casefold() for n in names or () if n and n.strip()}
    spans = _spans(text, words)

    def build(polite: bool) -> str:
        out, last = [], 0
        for start, end in spans:
            out.append(text[last:start])
            piece = text[start:end]
            if polite and piece.casefold() in name_keys:
                out.append(mask_name(piece))
            else:
                out.append(MASK * len(piece))
            last = end
        out.append(text[last:])
        return "".join(out)

    result = build(polite=True)
    if leaks(result, words):  # a "某" mask spelled another marked string: mask it all
        result = build(polite=False)
    return result


def redact_value(value, redact=(), names=()):
    """Every string inside a JSON-able value (keys stay: they are the answer's field names)."""
    if isinstance(value, str):
        return redact_text(value, redact, names)
    if isinstance(value, list):
        return [redact_value(v, redact, names) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, redact, names) for k, v in value.items()}
    return value


# every public answer wraps copies in these keys; a marked string must not hide in them either
PUBLIC_ENVELOPE = {"items": [], "total": 0, "limit": 0, "offset": 0}


def check_clean(public: dict, redact=(), names=()) -> None:
    """Refuse (409 redaction_incomplete) a public copy in which a marked string can be read."""
    words = terms(redact, names)
    text = json.dumps({**PUBLIC_ENVELOPE, "items": [public]}, ensure_ascii=False)
    raw = json.dumps({**PUBLIC_ENVELOPE, "items": [public]}, ensure_ascii=True)
    found = leaks(text, words) + leaks(raw, words) + leaks(_strings(public), words)
    if found:
        shown = "、".join(sorted(set(found)))
        raise RuleViolation(
            f"公开版本仍可读出需遮盖的内容（{shown}），请调整遮盖项后再公开",
            "redaction_incomplete",
            {"redact": [f"无法遮盖：{shown}"]},
        )


def _strings(value) -> str:
    if isinstance(value, str):
        return value + "\n"
    if isinstance(value, list):
        return "".join(_strings(v) for v in value)
    if isinstance(value, dict):
        return "".join(k + "\n" + _strings(v) for k, v in value.items())
    return str(value) + "\n"


def public_copy(circular: dict, *, issuer: str) -> dict:
    """The copy the public reads: what the circular says, never who handled it internally."""
    copy = {
        "id": circular["id"],
        "number": circular.get("number") or "",
        "title": circular["title"],
        "body": circular["body"],
        "nature": circular["nature"],
        "issuer": issuer,
        "issued_on": (circular.get("issued_at") or "")[:10],
        "published_at": circular.get("published_at") or "",
    }
    redact, names = circular.get("redact") or [], circular.get("names") or []
    masked = {k: (v if k == "id" else redact_value(v, redact, names)) for k, v in copy.items()}
    check_clean(masked, redact, names)
    return masked
