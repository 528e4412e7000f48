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


# Characters that change how text is shown without being seen: bidirectional embeddings,
# overrides and isolates (a name typed right to left hides what follows it), zero-width
# characters and the byte-order mark. Control characters (C0, DEL, C1) are refused as well,
# except line breaks and tabs in multi-line text.
_INVISIBLE = frozenset(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
)
_MULTILINE_CONTROLS = frozenset("\n\r\t")


def forbidden_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The refused characters in text, each once, in order, as "U+202E"."""
    found: list[str] = []
    for ch in text:
        code = ord(ch)
        control = code < 0x20 or 0x7F <= code <= 0x9F
        if (code in _INVISIBLE or control) and not (multiline and ch in _MULTILINE_CONTROLS):
            name = f"U+{code:04X}"
            if name not in found:
                found.append(name)
    return found


def normalize_text(text: str) -> str:
    """Text as stored: Unicode NFC, so "e" + combining acute and "é" are the same name."""
    return unicodedata.normalize("NFC", text)
