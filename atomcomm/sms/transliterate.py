"""GSM-7-safe text: Polish letters and typography replaced by their plain equivalents.

A single Polish letter, typographic quote or no-break space switches the whole SMS to UCS-2, which holds
less than half as many characters per part. Unicode decomposition does not help with ``ł``/``Ł`` (they
have no decomposition), so the table is explicit; other accented letters fall back to decomposition.
Characters with no GSM-7 equivalent (emoji, most scripts) are kept: nothing is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from atomcomm.sms.segments import GSM7_ALL, is_gsm7_char, segments

TransliterateMode = Literal["no", "yes", "auto"]

#: Replacements applied before the generic fallback; only characters outside GSM-7 are listed.
TABLE: dict[str, str] = {
    # Polish letters (ó is not in GSM-7 either: only ò is)
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z",
    # quotes
    "„": '"', "”": '"', "“": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "`": "'", "´": "'",
    # dashes and minus
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    # ellipsis and bullets
    "…": "...", "•": "-", "·": ".",
    # spaces: no-break, narrow no-break (babel puts these in numbers), thin, figure, en/em
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ",
    "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ", "\u3000": " ",
    "\t": " ",
    # invisible characters: soft hyphen, zero-width space, byte order mark
    "\u00ad": "", "\u200b": "", "\ufeff": "",
    # a few symbols with an obvious plain form
    "×": "x", "©": "(c)", "®": "(R)", "™": "TM",
}  # fmt: skip


_TABLE_KEYS = frozenset(TABLE)
# Only the few characters to replace are visited (str.translate would look up every character).
_TABLE_RE = re.compile("[" + re.escape("".join(TABLE)) + "]")


def _from_table(match: re.Match[str]) -> str:
    return TABLE[match.group()]


def _fallback(char: str) -> str:
    """Decompose an accented letter and drop the accents, if the result is GSM-7; else keep ``char``."""
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if stripped and all(is_gsm7_char(c) for c in stripped):
        return stripped
    return char


def transliterate(text: str) -> str:
    """Replace characters that force UCS-2 by GSM-7 equivalents.

    Characters already in GSM-7 are kept as they are (``é``, ``ü``, ``€`` stay), so the meaning changes as
    little as possible. Characters with no equivalent (emoji, Cyrillic) are kept too.

    Example:
        >>> transliterate("Zażółć gęślą jaźń – „Łódź”…")
        'Zazolc gesla jazn - "Lodz"...'
    """
    bad = set(text) - GSM7_ALL
    if not bad:
        return text
    if bad <= _TABLE_KEYS:
        return _TABLE_RE.sub(_from_table, text)
    return text.translate({ord(c): TABLE[c] if c in TABLE else _fallback(c) for c in bad})


def transliterate_auto(text: str) -> str:
    """The transliterated text when it takes fewer SMS parts than ``text``; otherwise ``text`` unchanged.

    This is the ``transliterate: auto`` option of SMS templates: Polish letters are kept as long as they
    cost nothing extra.
    """
    candidate = transliterate(text)
    if candidate != text and segments(candidate).parts < segments(text).parts:
        return candidate
    return text


def parse_mode(value: object) -> TransliterateMode:
    """Read a template's ``transliterate`` option: ``no``/``yes``/``auto`` or a YAML boolean.

    YAML 1.1 readers (PyYAML) turn the bare words ``no`` and ``yes`` into booleans, so both spellings are
    accepted.

    Raises:
        ValueError: for anything else, naming the allowed values.
    """
    if value is None or value is False:
        return "no"
    if value is True:
        return "yes"
    words: dict[str, TransliterateMode] = {
        "no": "no",
        "false": "no",
        "yes": "yes",
        "true": "yes",
        "auto": "auto",
    }
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise ValueError(f"transliterate must be no, yes or auto, not {value!r}")


def apply_transliteration(text: str, mode: object) -> str:
    """Apply a template's ``transliterate`` option (``no``, ``yes``, ``auto`` or a boolean) to ``text``."""
    chosen = parse_mode(mode)
    if chosen == "yes":
        return transliterate(text)
    if chosen == "auto":
        return transliterate_auto(text)
    return text
