"""Text helpers for matching French place names."""

import re
import unicodedata

_SAINT = re.compile(r"\b(st|ste|saint|sainte)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(text: str) -> str:
    """Fold a place name so that "ST-DENIS", "saint denis" and "Saint-Denis" compare equal.

    Case, accents, hyphens, apostrophes and "St"/"Ste" abbreviations are ignored;
    "Sainte" and "Saint" stay distinct.
    """
    folded = _NON_WORD.sub(" ", strip_accents(text).lower().replace("œ", "oe"))
    folded = _SAINT.sub(lambda m: "sainte" if m.group(1) in ("ste", "sainte") else "saint", folded)
    return " ".join(folded.split())


def parse_postcode(text: str) -> str | None:
    """A five-digit postcode ("69001", "69 001") or None."""
    match = re.fullmatch(r"\s*(\d{2})\s?(\d{3})\s*", text)
    return match.group(1) + match.group(2) if match else None
