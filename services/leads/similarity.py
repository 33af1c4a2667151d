"""Near-duplicate detection for Chinese text: cosine similarity of character bigrams.

Chinese is not written with spaces, so whitespace "words" would make a whole clause one token.
Overlapping character bigrams (界石, 石镇, 镇产, …) catch the same clue worded differently: a
reordered sentence, 拨付/已拨付, full-width or half-width digits and punctuation. Text is
NFKC-normalised and lower-cased; punctuation and spaces are dropped before counting.
"""

import math
import re
import unicodedata
from collections import Counter

# Two summaries at or above this score are flagged as possible duplicates. Chosen on the
# near-duplicates in tests/unit/leads/test_leads_similarity.py: rewordings of one clue score
# 0.55-0.95, different clues about the same subject (which share its name and stock phrases
# such as 衔接资金) stay below 0.35.
THRESHOLD = 0.5

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text or "").lower())


def bigrams(text: str) -> Counter:
    s = normalize(text)
    if len(s) < 2:
        return Counter([s]) if s else Counter()
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def similarity(a: str, b: str) -> float:
    """0 (nothing shared) to 1 (the same characters in the same order)."""
    return round(cosine(bigrams(a), bigrams(b)), 3)


def resembling(summary: str, candidates, threshold: float = THRESHOLD):
    """[(candidate, score)] of ``(key, text)`` candidates at or above the threshold, best first."""
    grams = bigrams(summary)
    scored = []
    for key, text in candidates:
        score = round(cosine(grams, bigrams(text)), 3)
        if score >= threshold:
            scored.append((key, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored
