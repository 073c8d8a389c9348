"""Compiled templates and rendering one object: subject, HTML, text alternative, SMS text and its cost.

A :class:`CompiledTemplate` holds the parsed Liquid of each section of a template (subject, html, text,
sms). :meth:`CompiledTemplate.render` turns one context into a :class:`Rendered`:

- the subject is rendered without autoescape and made one safe header line (CR/LF and other control
  characters become spaces, runs of spaces collapse), so data cannot inject headers;
- the HTML body is rendered with autoescape (``<script>`` in data arrives as ``&lt;script&gt;``);
- the text alternative is the template's own ``--- text ---`` section, or made from the HTML by html2text;
- an SMS is rendered without autoescape (data is sent as typed), normalised (line endings, edges),
  transliterated as the template asks, and counted (:func:`atomcomm.sms.segments`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import html2text
from liquid import BoundTemplate, Environment
from liquid.exceptions import LiquidError

from atomcomm.errors import TemplateError, TemplateRenderError
from atomcomm.sms import SegmentInfo, clean_text, segments, transliterate
from atomcomm.templates.engine import to_template_error
from atomcomm.templates.files import Section, TemplateInfo, TemplateSource

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
SUBJECT_MAX = 250  # characters; longer subjects are cut with an ellipsis (mail clients show ~80)


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one object.

    Attributes:
        subject: the e-mail subject, one safe line (None for SMS).
        html: the HTML body (None for SMS).
        text: the plain-text alternative of an e-mail, or the SMS text as it will be sent.
        sms: the SMS cost (encoding, units, parts, characters that forced UCS-2); None for e-mail.
        attachments: attachments the template asks for (filled by the prints and compose services).
        recipients: suggested recipients (filled by the compose service).
        template: the template name (``<text>`` for free text).
        object_type / object_id: what it was rendered for.
    """

    subject: str | None
    html: str | None
    text: str
    sms: SegmentInfo | None = None
    attachments: list[Any] = field(default_factory=list)
    recipients: list[Any] = field(default_factory=list)
    template: str = ""
    object_type: str = ""
    object_id: int | None = None

    @property
    def length(self) -> int:
        """Characters of the text (for an SMS, see ``sms.units`` for what the network counts)."""
        return len(self.text)


def subject_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """A rendered subject made safe for a header: one line, no control characters, bounded length."""
    one = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    if len(one) > limit:
        one = one[: limit - 1].rstrip() + "…"
    return one


_ANCHOR = re.compile(r"<a\s[^>]*?href=\"([^\"]*)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_ADJACENT_CELLS = re.compile(r"(</t[dh]>)\s*(<t[dh][\s>])", re.IGNORECASE)
_TRAILING = re.compile(r"[ \t]+\n")


def _anchor_text(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    bare = re.sub(r"^(mailto:|tel:|https?://)", "", url).rstrip("/")
    return label if label.strip().rstrip("/") in (url, bare) else f"{label} ({url})"


def html_to_text(html: str) -> str:
    """The plain-text alternative of an HTML body.

    Layout tables become plain paragraphs, adjacent cells are joined with `` | ``, a link reads
    ``label (url)`` (just the label when it is the address itself), no hard wrapping (mail clients wrap,
    and a hard break could split an amount).
    """
    html = _ADJACENT_CELLS.sub(r"\1<span> | </span>\2", _ANCHOR.sub(_anchor_text, html))
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.ignore_links = True
    converter.unicode_snob = True  # keep Polish letters and typographic quotes as they are
    out = _TRAILING.sub("\n", converter.handle(html))
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"


def sms_text(raw: str, mode: str) -> tuple[str, SegmentInfo]:
    """The SMS as sent (normalised, transliterated per ``mode``: no / yes / auto) and its cost.

    ``auto`` keeps Polish letters unless transliterating lowers the number of parts (the rule of
    :func:`atomcomm.sms.transliterate_auto`, counting each text once).
    """
    text = clean_text(raw)
    if mode == "yes":
        text = transliterate(text)
        return text, segments(text)
    cost = segments(text)
    if mode == "auto" and cost.encoding == "UCS-2":
        candidate = transliterate(text)
        if candidate != text:
            candidate_cost = segments(candidate)
            if candidate_cost.parts < cost.parts:
                return candidate, candidate_cost
    return text, cost


PartialNamer = Callable[[str], str | None]


class CompiledTemplate:
    """The parsed sections of one template, ready to render many contexts.

    Args:
        source: the parsed file (info and sections).
        html_env / text_env: the environments from :func:`atomcomm.templates.engine.build_environment`.
        partial_name: finds the name of a partial or layout from its source text (for error messages).

    Raises:
        TemplateSyntaxError: a section is not valid Liquid (with file line and column).
    """

    def __init__(
        self,
        source: TemplateSource,
        html_env: Environment,
        text_env: Environment,
        partial_name: PartialNamer | None = None,
    ) -> None:
        self.source = source
        self.info: TemplateInfo = source.info
        self.partial_name = partial_name
        self.bound: dict[str, BoundTemplate] = {}
        for key, section in source.sections.items():
            env = html_env if key == "html" else text_env
            try:
                self.bound[key] = env.from_string(section.source, name=self.info.name)
            except LiquidError as err:
                # Partials are loaded at render time, so a parse error is always in this section.
                raise to_template_error(
                    err,
                    self.name,
                    line_offset=section.line_offset,
                    section=section.name,
                    source=section.source,
                ) from None

    @property
    def name(self) -> str:
        return self.info.name

    def error(self, err: LiquidError, section: Section) -> TemplateError:
        """The atomcomm error for a python-liquid error raised while parsing or rendering a section."""
        token_source = getattr(err.token, "source", None) if err.token is not None else None
        in_section = token_source is None or token_source == section.source
        partial = None if in_section or self.partial_name is None else self.partial_name(token_source or "")
        if in_section:
            return to_template_error(err, self.name, line_offset=section.line_offset, section=section.name)
        return to_template_error(err, partial or f"{self.name} (a partial)", section=section.name)

    def _render(self, key: str, data: Mapping[str, Any]) -> str:
        try:
            return self.bound[key].render(data)
        except LiquidError as err:
            raise self.error(err, self.source.sections[key]) from None
        except RecursionError:
            raise TemplateRenderError(
                f"{self.name} ({key}): recursion too deep", template=self.name, reason="recursion too deep"
            ) from None

    def render(
        self,
        data: Mapping[str, Any],
        *,
        object_type: str = "",
        object_id: int | None = None,
        with_text: bool = True,
    ) -> Rendered:
        """Render one context (the object's context merged with the render globals).

        Args:
            data: names visible to the template.
            object_type / object_id: recorded on the result.
            with_text: False skips making the text alternative from HTML (when nobody reads it).

        Raises:
            TemplateRenderError: an unknown field, a bad filter argument, a resource limit, a missing
                subject; the message names the template, line and column.
        """
        info = self.info
        if info.channel == "sms":
            text, cost = sms_text(self._render("sms", data), info.transliterate)
            return Rendered(
                None,
                None,
                text,
                cost,
                template=info.name,
                object_type=object_type,
                object_id=object_id,
            )
        if "subject" in self.bound:
            subject = subject_line(self._render("subject", data))
        elif info.path is not None:
            raise TemplateRenderError(
                f"{info.name}: an e-mail template needs a subject in its front matter",
                template=info.name,
                line=1,
                reason="subject missing",
            )
        else:
            subject = ""
        html = self._render("html", data)
        if "text" in self.bound:
            text = self._render("text", data).strip() + "\n"
        elif with_text:
            text = html_to_text(html)
        else:
            text = ""
        return Rendered(
            subject, html, text, None, template=info.name, object_type=object_type, object_id=object_id
        )


__all__ = ["SUBJECT_MAX", "CompiledTemplate", "Rendered", "html_to_text", "subject_line"]
