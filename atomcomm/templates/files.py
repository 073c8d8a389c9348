"""Template files: name, YAML front matter and body sections.

A template is ``templates/<object_type>/<name>.<channel>.liquid`` (channel ``email`` or ``sms``)::

    ---
    name: Przypomnienie o płatności         # human title
    description: Uprzejme przypomnienie o zaległej fakturze
    object_types: [invoice]                 # the types it serves (default: the folder's type)
    channel: email                          # must match the file name
    subject: "Przypomnienie: faktura {{ invoice.number }}"    # Liquid; e-mail only, required there
    kind: transactional                     # or marketing
    recipients: [buyer_contact, buyer]      # default recipient roles
    attachments: {prints: [invoice], files: [attachments/windykacja.pdf]}
    language: pl
    transliterate: auto                     # SMS only: no | yes | auto
    max_parts: 2                            # SMS only: most parts one message may take (default 6)
    ---
    <p>HTML body (e-mail) or the SMS text</p>
    --- text ---
    Optional plain-text alternative of an e-mail; without it the text is made from the HTML.

The ``--- text ---`` line (alone on its line) splits an e-mail body into its HTML and text sections.
Line numbers of every section are kept as line numbers of the file, so errors point into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from atomcomm.erp.types import get_type
from atomcomm.errors import TemplateSyntaxError, UnknownObjectTypeError
from atomcomm.sms.transliterate import parse_mode

Channel = Literal["email", "sms"]
Kind = Literal["transactional", "marketing"]
CHANNELS: tuple[Channel, ...] = ("email", "sms")
KINDS: tuple[Kind, ...] = ("transactional", "marketing")
SUFFIX = ".liquid"
TEXT_MARKER = "--- text ---"
DEFAULT_MAX_PARTS = 6  # the most SMSAPI accepts for one message
FRONT_MATTER_KEYS = frozenset(
    {
        "name",
        "description",
        "object_types",
        "channel",
        "subject",
        "kind",
        "recipients",
        "attachments",
        "language",
        "transliterate",
        "max_parts",
    }
)
# Folders of the templates tree that hold no templates of object types.
RESERVED_FOLDERS = frozenset({"_layouts", "_partials", "prints", "attachments"})

_FENCE = re.compile(r"^---[ \t]*$")
_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*\.(email|sms)$")


@dataclass(frozen=True)
class Attachments:
    """Attachments a template asks for.

    Attributes:
        prints: print names of the object (``invoice``, ``transport_order``), produced by the prints package.
        files: fixed files, relative to the templates folder (``attachments/windykacja.pdf``).
    """

    prints: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateInfo:
    """What a template is, from its path and front matter.

    Attributes:
        name: ``<folder>/<name>.<channel>``, e.g. ``invoice/payment_reminder.sms`` (free text: ``<text>``).
        title: human name (front matter ``name``).
        description: one or two sentences for the template list.
        object_types: the object types it serves.
        channel: ``email`` or ``sms``.
        kind: ``transactional`` or ``marketing``.
        subject: the subject template (e-mail), or None.
        recipients: default recipient roles, in order of preference.
        attachments: prints and fixed files to attach.
        language: language code (``pl``).
        transliterate: SMS option ``no``, ``yes`` or ``auto``.
        max_parts: the most SMS parts one message may take.
        path: the file, or None for free text.
    """

    name: str
    title: str
    description: str
    object_types: list[str]
    channel: Channel
    kind: Kind
    subject: str | None = None
    recipients: list[str] = field(default_factory=list)
    attachments: Attachments = field(default_factory=Attachments)
    language: str = "pl"
    transliterate: str = "no"
    max_parts: int = DEFAULT_MAX_PARTS
    path: Path | None = None

    @property
    def is_marketing(self) -> bool:
        return self.kind == "marketing"

    def serves(self, object_type: str) -> bool:
        return object_type in self.object_types


@dataclass(frozen=True)
class Section:
    """One part of a template body with the file line it starts on (1-based)."""

    name: str  # subject | html | text | sms
    source: str
    first_line: int

    @property
    def line_offset(self) -> int:
        return self.first_line - 1


@dataclass(frozen=True)
class TemplateSource:
    """A parsed template file: info plus its Liquid sections."""

    info: TemplateInfo
    sections: dict[str, Section]
    raw: str


def name_of(path: Path, root: Path) -> str:
    """Template name of a file: ``<root>/invoice/payment_reminder.sms.liquid`` → ``invoice/payment_reminder.sms``."""
    rel = path.relative_to(root).as_posix()
    return rel[: -len(SUFFIX)] if rel.endswith(SUFFIX) else rel


def path_of(name: str, root: Path) -> Path:
    """File of a template name (the inverse of :func:`name_of`)."""
    return root / (name + SUFFIX)


def is_template_name(name: str) -> bool:
    return bool(_NAME.match(name))


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of a template file (a BOM is dropped).

    Raises:
        TemplateSyntaxError: the bytes are not UTF-8, naming the line and the byte.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start : err.start + 1].hex()
        raise TemplateSyntaxError(
            f"{where}:{line}: the file is not UTF-8 (byte 0x{byte}); save it as UTF-8",
            template=where,
            line=line,
            reason="the file is not UTF-8",
        ) from None


def split_front_matter(text: str, where: str, *, required: bool) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line the body starts on).

    Raises:
        TemplateSyntaxError: missing (when required), unclosed or malformed front matter.
    """
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")):
        if required:
            raise TemplateSyntaxError(
                f"{where}:1: missing front matter; a template starts with a '---' line, YAML "
                "(name, object_types, channel, subject, ...) and another '---' line",
                template=where,
                line=1,
                reason="missing front matter",
            )
        return {}, text, 1
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i].rstrip("\r\n"))), None)
    if end is None:
        raise TemplateSyntaxError(
            f"{where}:1: front matter is not closed; add a '---' line after the YAML",
            template=where,
            line=1,
            reason="front matter is not closed",
        )
    try:
        data = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(err, "problem", None) or str(err)
        raise TemplateSyntaxError(
            f"{where}:{line}: malformed front matter: {problem}",
            template=where,
            line=line,
            column=mark.column if mark is not None else None,
            source_line=lines[line - 1].rstrip("\r\n") if 0 < line <= len(lines) else None,
            reason=f"malformed front matter: {problem}",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TemplateSyntaxError(
            f"{where}:2: front matter must be a YAML mapping (key: value lines), got {type(data).__name__}",
            template=where,
            line=2,
            reason="front matter must be a YAML mapping",
        )
    return data, "".join(lines[end + 1 :]), end + 2


def _bad(where: str, message: str) -> TemplateSyntaxError:
    return TemplateSyntaxError(f"{where}: front matter: {message}", template=where, reason=message)


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _bad(where, f"{key} must be a list of names, got {value!r}")


def build_info(meta: dict[str, Any], name: str, path: Path | None, *, channel: str | None) -> TemplateInfo:
    """Check the front matter and turn it into a TemplateInfo.

    Args:
        meta: the parsed YAML.
        name: template name (its folder is the default object type).
        path: the file, None for free text.
        channel: the channel given by the file name or the caller; must agree with the front matter.

    Raises:
        TemplateSyntaxError: unknown keys, wrong value types, unknown object types or channel mismatch.
    """
    unknown = sorted(set(meta) - FRONT_MATTER_KEYS)
    if unknown:
        raise _bad(
            name, f"unknown key {', '.join(unknown)}; known keys: {', '.join(sorted(FRONT_MATTER_KEYS))}"
        )
    folder = name.split("/", 1)[0] if "/" in name else None
    types = _str_list(meta.get("object_types"), "object_types", name)
    if not types:
        if folder is None:
            raise _bad(name, "object_types is required (e.g. object_types: [invoice])")
        types = [folder]
    for t in types:
        try:
            get_type(t)
        except UnknownObjectTypeError as err:
            raise _bad(name, f"object_types: {err}") from None
    if folder is not None and path is not None and folder not in types:
        raise _bad(name, f"the template is in folder {folder}/ but object_types {types} does not list it")
    declared = meta.get("channel")
    if declared is not None and declared not in CHANNELS:
        raise _bad(name, f"channel must be email or sms, got {declared!r}")
    if channel is not None and declared is not None and declared != channel:
        raise _bad(name, f"channel {declared!r} does not match the file name (.{channel}.liquid)")
    chan = channel or declared
    if chan not in CHANNELS:
        raise _bad(name, "channel is required (email or sms)")
    kind = meta.get("kind", "transactional")
    if kind not in KINDS:
        raise _bad(name, f"kind must be transactional or marketing, got {kind!r}")
    subject = meta.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise _bad(name, f"subject must be text, got {subject!r}")
    if subject is not None and chan == "sms":
        raise _bad(name, "subject is for e-mail templates; an SMS has no subject")
    att = meta.get("attachments") or {}
    if not isinstance(att, dict) or set(att) - {"prints", "files"}:
        raise _bad(name, f"attachments must be a mapping with prints and files lists, got {att!r}")
    try:
        translit = parse_mode(meta.get("transliterate", "no"))
    except ValueError as err:
        raise _bad(name, str(err)) from None
    max_parts = meta.get("max_parts", DEFAULT_MAX_PARTS)
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise _bad(name, f"max_parts must be a positive whole number, got {max_parts!r}")
    for key in ("name", "description", "language"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise _bad(name, f"{key} must be text, got {meta[key]!r}")
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    return TemplateInfo(
        name=name,
        title=meta.get("name") or stem.replace("_", " ").capitalize(),
        description=meta.get("description") or "",
        object_types=types,
        channel=chan,
        kind=kind,
        subject=subject,
        recipients=_str_list(meta.get("recipients"), "recipients", name),
        attachments=Attachments(
            prints=_str_list(att.get("prints"), "attachments.prints", name),
            files=_str_list(att.get("files"), "attachments.files", name),
        ),
        language=meta.get("language") or "pl",
        transliterate=translit,
        max_parts=max_parts,
        path=path,
    )


def _subject_line(raw: str) -> int:
    for i, line in enumerate(raw.splitlines(), start=1):
        if line.lstrip().startswith("subject:"):
            return i
    return 1


def parse_source(
    text: str,
    name: str,
    *,
    path: Path | None = None,
    channel: str | None = None,
    object_types: list[str] | None = None,
    front_matter_required: bool = True,
) -> TemplateSource:
    """Split a template's text into its info and Liquid sections.

    Args:
        text: the whole file (front matter and body).
        name: the template name.
        path: the file, None for free text.
        channel: the channel from the file name (or given with free text).
        object_types: for free text without front matter: the types it serves.
        front_matter_required: False for free text.
    """
    meta, body, body_line = split_front_matter(text, name, required=front_matter_required)
    if object_types and "object_types" not in meta:
        meta = {**meta, "object_types": object_types}
    info = build_info(meta, name, path, channel=channel)
    sections: dict[str, Section] = {}
    if info.subject is not None:
        sections["subject"] = Section("subject", info.subject, _subject_line(text))
    if info.channel == "sms":
        sections["sms"] = Section("sms", body, body_line)
        return TemplateSource(info, sections, text)
    lines = body.splitlines(keepends=True)
    marker = next((i for i, line in enumerate(lines) if line.strip() == TEXT_MARKER), None)
    if marker is None:
        sections["html"] = Section("html", body, body_line)
    else:
        sections["html"] = Section("html", "".join(lines[:marker]), body_line)
        sections["text"] = Section("text", "".join(lines[marker + 1 :]), body_line + marker + 1)
    return TemplateSource(info, sections, text)


def read_source(path: Path, root: Path) -> TemplateSource:
    """Read and parse a template file.

    Raises:
        TemplateSyntaxError: non-UTF-8 bytes, missing or malformed front matter, bad file name.
    """
    name = name_of(path, root)
    if not is_template_name(name):
        raise TemplateSyntaxError(
            f"{name}: a template file is named <object_type>/<name>.<email|sms>.liquid in lower case",
            template=name,
            reason="bad template file name",
        )
    text = decode(path.read_bytes(), name)
    return parse_source(text, name, path=path, channel=name.rsplit(".", 1)[1])


__all__ = [
    "CHANNELS",
    "DEFAULT_MAX_PARTS",
    "FRONT_MATTER_KEYS",
    "KINDS",
    "RESERVED_FOLDERS",
    "SUFFIX",
    "TEXT_MARKER",
    "Attachments",
    "Channel",
    "Kind",
    "Section",
    "TemplateInfo",
    "TemplateSource",
    "build_info",
    "decode",
    "is_template_name",
    "name_of",
    "parse_source",
    "path_of",
    "read_source",
    "split_front_matter",
]
