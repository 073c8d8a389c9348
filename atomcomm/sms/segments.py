"""How many SMS parts a text takes: GSM 03.38 (GSM-7) or UCS-2, counted the way the network does.

Rules (3GPP TS 23.038 and the concatenation header of TS 23.040):

* The text is GSM-7 only if every character is in the basic table (1 septet) or the extension table
  (2 septets: an escape plus the character); otherwise the *whole* text is UCS-2.
* UCS-2 length is counted in UTF-16 code units, so a character outside the Basic Multilingual Plane (most
  emoji) counts 2.
* A single SMS holds 160 septets or 70 UCS-2 units. A longer text is split into parts of 153 or 67 (the
  6-octet concatenation header takes the rest). Parts are filled greedily and an escape pair or a
  surrogate pair is never split, so a ceiling division can undercount by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

#: The 127 printable characters of the GSM 03.38 basic table (the escape, 0x1B, is not text).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: each is sent as an escape plus the character (2 septets).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION

SINGLE_LIMIT: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
PART_LIMIT: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SegmentInfo:
    """The SMS cost of a text.

    Attributes:
        encoding: ``"GSM-7"`` or ``"UCS-2"``.
        units: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
        parts: number of SMS the text is sent as (0 for an empty text).
        unsupported: the characters that forced UCS-2, in order of first appearance (empty for GSM-7).
    """

    encoding: Encoding
    units: int
    parts: int
    unsupported: list[str] = field(default_factory=list)

    @property
    def is_gsm7(self) -> bool:
        """True when the text fits the GSM 03.38 alphabet."""
        return self.encoding == "GSM-7"

    @property
    def part_size(self) -> int:
        """Units one part holds at this length: 160/70 for a single SMS, 153/67 per part otherwise."""
        return SINGLE_LIMIT[self.encoding] if self.parts <= 1 else PART_LIMIT[self.encoding]


def is_gsm7_char(char: str) -> bool:
    """True when ``char`` can be sent in GSM-7 (basic or extension table)."""
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def _weights(text: str, encoding: Encoding) -> list[int]:
    """Units of each code point: 1 or 2 (an escape pair, or a UTF-16 surrogate pair)."""
    if encoding == "GSM-7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _count_parts(weights: list[int], units: int, encoding: Encoding) -> int:
    if units == 0:
        return 0
    if units <= SINGLE_LIMIT[encoding]:
        return 1
    size = PART_LIMIT[encoding]
    parts, used = 1, 0
    for w in weights:
        if used + w > size:
            parts += 1
            used = 0
        used += w
    return parts


def segments(text: str) -> SegmentInfo:
    """Count the SMS parts of ``text`` per GSM 03.38.

    Args:
        text: the message exactly as it will be sent (normalise line endings first: ``\\r\\n`` counts 2).

    Returns:
        The encoding, the length in units, the number of parts and the characters that forced UCS-2.

    Example:
        >>> segments("Zażółć")
        SegmentInfo(encoding='UCS-2', units=6, parts=1, unsupported=['ż', 'ó', 'ł', 'ć'])
    """
    chars = set(text)
    bad = chars - GSM7_ALL
    if bad:
        # Whole-text operations first; the per-character walk only when a 2-unit item can straddle a part.
        unsupported = sorted(bad, key=text.index)  # in order of first appearance
        units = len(text.encode("utf-16-le")) // 2
        wide = any(ord(c) > 0xFFFF for c in bad)
        parts = _count_parts(_weights(text, "UCS-2"), units, "UCS-2") if wide else _even_parts(units, "UCS-2")
        return SegmentInfo("UCS-2", units, parts, unsupported)
    escaped = chars & GSM7_EXTENSION
    units = len(text) + sum(text.count(c) for c in escaped)
    parts = _count_parts(_weights(text, "GSM-7"), units, "GSM-7") if escaped else _even_parts(units, "GSM-7")
    return SegmentInfo("GSM-7", units, parts, [])


def _even_parts(units: int, encoding: Encoding) -> int:
    """Parts of a text whose every character takes one unit (then greedy filling is a ceiling division)."""
    if units == 0:
        return 0
    if units <= SINGLE_LIMIT[encoding]:
        return 1
    return -(-units // PART_LIMIT[encoding])


def split_parts(text: str) -> list[str]:
    """Split ``text`` into the parts a handset receives (same greedy rule as :func:`segments`)."""
    info = segments(text)
    if info.parts <= 1:
        return [text] if text else []
    size = PART_LIMIT[info.encoding]
    out: list[str] = []
    current: list[str] = []
    used = 0
    for char, w in zip(text, _weights(text, info.encoding), strict=True):
        if used + w > size:
            out.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += w
    out.append("".join(current))
    return out


def clean_text(text: str) -> str:
    """Normalise a rendered SMS body: ``\\n`` line endings, no trailing spaces, no blank edges.

    Liquid output often carries indentation and stray newlines; each of them costs a unit, and ``\\r\\n``
    costs two.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()
