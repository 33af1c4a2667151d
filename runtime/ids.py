"""Ids: a short kind prefix (readable in a trace) and enough randomness not to be guessable."""

import secrets

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_id(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(12))
