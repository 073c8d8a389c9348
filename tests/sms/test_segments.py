"""GSM 03.38 segment counting and transliteration, table-driven."""

from __future__ import annotations

import math

import pytest

from atomcomm.sms import SegmentInfo, clean_text, segments, split_parts, transliterate, transliterate_auto
from atomcomm.sms.segments import GSM7_BASIC, GSM7_EXTENSION
from atomcomm.sms.transliterate import apply_transliteration, parse_mode

EMOJI = "\U0001f600"  # 😀, outside the BMP: 2 UTF-16 units

SEGMENT_CASES = [
    # (text, encoding, units, parts, unsupported)
    ("", "GSM-7", 0, 0, []),
    ("Hello", "GSM-7", 5, 1, []),
    ("a" * 160, "GSM-7", 160, 1, []),
    ("a" * 161, "GSM-7", 161, 2, []),  # Twilio vector: 161 GSM chars -> 2 segments
    ("a" * 306, "GSM-7", 306, 2, []),
    ("a" * 307, "GSM-7", 307, 3, []),
    ("a" * 918, "GSM-7", 918, 6, []),  # SMSAPI's 6-part maximum
    ("a" * 919, "GSM-7", 919, 7, []),
    ("€" * 80, "GSM-7", 160, 1, []),  # extension chars count 2 septets
    ("€" * 80 + "a", "GSM-7", 161, 2, []),
    ("{}[]~|^\\\f", "GSM-7", 18, 1, []),
    # 152 + escape pair: the pair does not fit in the 153rd septet and moves to part 2
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3, []),
    ("a" * 151 + "€" + "a" * 153, "GSM-7", 306, 2, []),
    ("Zażółć", "UCS-2", 6, 1, ["ż", "ó", "ł", "ć"]),
    ("ó", "UCS-2", 1, 1, ["ó"]),
    ("ò", "GSM-7", 1, 1, []),
    ("Ç", "GSM-7", 1, 1, []),
    ("ç", "UCS-2", 1, 1, ["ç"]),
    ("ą" * 70, "UCS-2", 70, 1, ["ą"]),
    ("ą" * 71, "UCS-2", 71, 2, ["ą"]),
    ("ą" * 402, "UCS-2", 402, 6, ["ą"]),
    ("ą" * 403, "UCS-2", 403, 7, ["ą"]),
    # Twilio vector: an emoji plus 69 GSM characters is 71 UCS-2 units -> 2 segments
    (EMOJI + "a" * 69, "UCS-2", 71, 2, [EMOJI]),
    (EMOJI + "a" * 68, "UCS-2", 70, 1, [EMOJI]),
    # 66 units + a surrogate pair: the pair moves to part 2
    ("ż" * 66 + EMOJI + "ż" * 66, "UCS-2", 134, 3, ["ż", EMOJI]),
    ("ż" * 65 + EMOJI + "ż" * 67, "UCS-2", 134, 2, ["ż", EMOJI]),
    ("\U0001f1ee\U0001f1f9", "UCS-2", 4, 1, ["\U0001f1ee", "\U0001f1f9"]),  # flag: 4 units
    ("a\u00a0b", "UCS-2", 3, 1, ["\u00a0"]),  # babel's no-break space forces UCS-2
    ("line\r\nnext", "GSM-7", 10, 1, []),  # CR LF counts 2
    ("łąkałąka", "UCS-2", 8, 1, ["ł", "ą"]),
]


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts", "unsupported"),
    SEGMENT_CASES,
    ids=[
        "empty",
        "short-gsm",
        "160-gsm-one-part",
        "161-gsm-two-parts",
        "306-gsm-two-parts",
        "307-gsm-three-parts",
        "918-gsm-six-parts",
        "919-gsm-seven-parts",
        "80-euro-160-septets",
        "80-euro-plus-one",
        "all-extension-chars",
        "escape-pair-at-boundary",
        "escape-pair-before-boundary",
        "design-example-zazolc",
        "o-acute-is-not-gsm",
        "o-grave-is-gsm",
        "capital-c-cedilla-gsm",
        "small-c-cedilla-ucs2",
        "70-ucs2-one-part",
        "71-ucs2-two-parts",
        "402-ucs2-six-parts",
        "403-ucs2-seven-parts",
        "emoji-plus-69",
        "emoji-plus-68",
        "surrogate-pair-at-boundary",
        "surrogate-pair-before-boundary",
        "flag-four-units",
        "no-break-space",
        "crlf-counts-two",
        "unsupported-unique-in-order",
    ],
)
def test_segments(text: str, encoding: str, units: int, parts: int, unsupported: list[str]) -> None:
    assert segments(text) == SegmentInfo(encoding, units, parts, unsupported)  # type: ignore[arg-type]


def test_design_example() -> None:
    assert segments("Zażółć") == SegmentInfo(
        encoding="UCS-2", units=6, parts=1, unsupported=["ż", "ó", "ł", "ć"]
    )


@pytest.mark.parametrize("letter", list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"))
def test_no_polish_letter_is_gsm7(letter: str) -> None:
    info = segments(f"Dzień dobry {letter}")
    assert info.encoding == "UCS-2"
    assert letter in info.unsupported


def test_unsupported_in_order_of_first_appearance() -> None:
    assert segments("x€ść😀ś€ą").unsupported == ["ś", "ć", "😀", "ą"]


def test_ucs2_counts_utf16_units_not_code_points() -> None:
    text = "🏳️‍🌈"  # 4 code points, 6 UTF-16 units
    assert len(text) == 4
    assert segments(text).units == len(text.encode("utf-16-le")) // 2 == 6


def test_tables_match_the_gsm0338_codec() -> None:
    import gsm0338  # noqa: F401  (registers the independent "gsm03.38" codec)

    basic, extension = set(), set()
    for cp in range(0x3000):  # every GSM character is below U+3000
        char = chr(cp)
        try:
            encoded = char.encode("gsm03.38")
        except UnicodeEncodeError:
            continue
        (basic if len(encoded) == 1 else extension).add(char)
    basic.discard("\x1b")  # the escape itself is not text
    assert basic == set(GSM7_BASIC)
    assert extension == set(GSM7_EXTENSION)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 152 + "€" + "a" * 152,
        "ż" * 66 + EMOJI + "ż" * 66,
        "x" * 500,
        "Dzień dobry, " * 20,
        "€" * 200,
    ],
    ids=["escape-boundary", "surrogate-boundary", "long-gsm", "long-ucs2", "all-escapes"],
)
def test_split_parts_agrees_with_segments(text: str) -> None:
    info = segments(text)
    parts = split_parts(text)
    assert len(parts) == info.parts
    assert "".join(parts) == text
    for part in parts:
        assert segments(part).units <= (153 if info.encoding == "GSM-7" else 67)


def test_greedy_count_exceeds_ceiling_division_when_a_pair_straddles() -> None:
    text = "a" * 152 + "€" + "a" * 152
    info = segments(text)
    assert info.parts == math.ceil(info.units / 153) + 1


def test_part_size() -> None:
    assert segments("a").part_size == 160
    assert segments("a" * 200).part_size == 153
    assert segments("ą").part_size == 70
    assert segments("ą" * 80).part_size == 67


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Dzień dobry  \r\n  ", "Dzień dobry"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("line   \nnext\t\n\n", "line\nnext"),
    ],
    ids=["edges", "line-endings", "trailing-spaces"],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


TRANSLITERATE_CASES = [
    ("Zażółć gęślą jaźń", "Zazolc gesla jazn"),
    ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAZOLC GESLA JAZN"),
    ("Łódź", "Lodz"),
    ("„cytat”", '"cytat"'),
    ("“quoted”", '"quoted"'),
    ("‘single’ ‚low’", "'single' 'low'"),
    ("a – b — c", "a - b - c"),
    ("czekaj…", "czekaj..."),
    ("1\u00a0234,50\u202fzł", "1 234,50 zl"),
    ("é ü ñ ò Ç € @", "é ü ñ ò Ç € @"),
    ("ç ê ô", "c e o"),
    ("soft\u00adhyphen\u200b", "softhyphen"),
    ("smile 😀", "smile 😀"),
    ("Привет", "Привет"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    TRANSLITERATE_CASES,
    ids=[
        "polish-lower",
        "polish-upper",
        "l-stroke-has-no-decomposition",
        "polish-quotes",
        "english-quotes",
        "single-quotes",
        "dashes",
        "ellipsis",
        "nbsp-and-narrow-nbsp",
        "gsm-accents-kept",
        "other-accents-decomposed",
        "invisible-removed",
        "emoji-kept",
        "cyrillic-kept",
    ],
)
def test_transliterate(text: str, expected: str) -> None:
    assert transliterate(text) == expected


def test_transliterated_polish_text_is_gsm7() -> None:
    text = "Przypominamy o płatności 1\u00a0234,50\u00a0zł – termin minął „wczoraj”…"
    assert segments(text).encoding == "UCS-2"
    assert segments(transliterate(text)).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("Zażółć", False),  # 1 part either way: keep the Polish letters
        ("Płatność " * 8, True),  # 72 UCS-2 units (2 parts) -> 72 septets (1 part)
        ("ą" + EMOJI * 40, False),  # the emoji keeps it UCS-2: transliteration gains nothing
        ("Plain text", False),
    ],
    ids=["same-parts-kept", "fewer-parts-applied", "emoji-no-gain", "already-gsm"],
)
def test_transliterate_auto(text: str, changes: bool) -> None:
    result = transliterate_auto(text)
    assert (result != text) is changes
    if changes:
        assert result == transliterate(text)
        assert segments(result).parts < segments(text).parts


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (False, "no"),
        (None, "no"),
        ("no", "no"),
        (True, "yes"),
        ("yes", "yes"),
        ("YES", "yes"),
        ("auto", "auto"),
        ("false", "no"),
    ],
    ids=["yaml-false", "absent", "no", "yaml-true", "yes", "upper", "auto", "false-word"],
)
def test_parse_mode(mode: object, expected: str) -> None:
    assert parse_mode(mode) == expected


def test_parse_mode_rejects_other_values() -> None:
    with pytest.raises(ValueError, match="no, yes or auto"):
        parse_mode("sometimes")


def test_apply_transliteration() -> None:
    text = "Płatność " * 8
    assert apply_transliteration(text, "no") == text
    assert apply_transliteration("Zażółć", True) == "Zazolc"
    assert apply_transliteration("Zażółć", "auto") == "Zażółć"
    assert apply_transliteration(text, "auto") == transliterate(text)


def _reference(text: str) -> tuple[str, int, int, list[str]]:
    """Character-by-character count (the rules stated plainly), to check the whole-text fast paths."""
    from atomcomm.sms.segments import GSM7_BASIC, GSM7_EXTENSION

    bad = [c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION]
    enc = "UCS-2" if bad else "GSM-7"
    weights = [
        (2 if c in GSM7_EXTENSION else 1) if enc == "GSM-7" else (2 if ord(c) > 0xFFFF else 1) for c in text
    ]
    units = sum(weights)
    single, part = (160, 153) if enc == "GSM-7" else (70, 67)
    parts = 0 if units == 0 else 1
    if units > single:
        parts, used = 1, 0
        for w in weights:
            if used + w > part:
                parts, used = parts + 1, 0
            used += w
    return enc, units, parts, list(dict.fromkeys(bad))


def test_fast_paths_agree_with_the_plain_rules_on_random_texts() -> None:
    import random

    from atomcomm.sms import segments

    rng = random.Random(7)
    alphabet = ["a", "Z", " ", "1", "€", "[", "^", "ż", "ł", "😀", "🇵🇱", "\n", "é", "ò"]
    for _ in range(3000):
        pool = rng.sample(alphabet, rng.randint(1, 5))
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 420)))
        info = segments(text)
        assert (info.encoding, info.units, info.parts, info.unsupported) == _reference(text), text
