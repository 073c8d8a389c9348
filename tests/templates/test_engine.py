"""The Liquid environments: undefined policy, autoescape, limits, partials, error positions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from liquid.exceptions import (
    ContextDepthError,
    LiquidError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    UndefinedError,
)

from atomcomm.errors import TemplateNotFoundError, TemplateRenderError, TemplateSyntaxError
from atomcomm.templates.engine import OUTPUT_LIMIT, build_environment, to_template_error

DATA: dict[str, Any] = {"contact": {"first_name": "Anna", "nickname": None}, "buyer_contact": None}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("{% if contact.missing %}yes{% else %}no{% endif %}", "no", id="if-unknown-is-false"),
        pytest.param("{{ contact.missing | default: 'n/a' }}", "n/a", id="default-on-unknown"),
        pytest.param("{{ nothing.at.all | default: '-' }}", "-", id="default-on-unknown-root"),
        pytest.param("{{ contact.nickname | default: 'brak' }}", "brak", id="default-on-none"),
        pytest.param("[{{ contact.nickname }}]", "[]", id="none-prints-empty"),
        pytest.param("{% if buyer_contact %}x{% else %}none{% endif %}", "none", id="missing-relation-false"),
        pytest.param("{% unless contact.missing %}ok{% endunless %}", "ok", id="unless"),
    ],
)
def test_optional_data_works(source: str, expected: str) -> None:
    env = build_environment(None, html=False)
    assert env.from_string(source).render(**DATA) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("Hi {{ contact.firstname }}", "contact.firstname is undefined", id="misspelt-field"),
        pytest.param("Hi {{ contct.first_name }}", "contct", id="misspelt-root"),
        pytest.param(
            "{{ buyer_contact.first_name }}", "buyer_contact.first_name is undefined", id="field-of-none"
        ),
        pytest.param("{{ contact.missing | upcase }}", "undefined", id="through-a-filter"),
    ],
)
def test_unknown_output_fails(source: str, message: str) -> None:
    env = build_environment(None, html=False)
    with pytest.raises(UndefinedError, match=message):
        env.from_string(source).render(**DATA)


@pytest.mark.parametrize(
    ("html", "expected"),
    [(True, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"), (False, "<script>alert(1)</script> & Co")],
    ids=["html-escaped", "text-plain"],
)
def test_autoescape(html: bool, expected: str) -> None:
    env = build_environment(None, html=html)
    assert env.from_string("{{ name }}").render(name="<script>alert(1)</script> & Co") == expected


def test_loop_iteration_limit() -> None:
    env = build_environment(None, html=False)
    t = env.from_string("{% for a in (1..1000) %}{% for b in (1..1000) %}x{% endfor %}{% endfor %}")
    with pytest.raises(LoopIterationLimitError):
        t.render()


def test_output_limit() -> None:
    env = build_environment(None, html=False)
    t = env.from_string("{% for a in (1..90000) %}{{ s }}{% endfor %}")
    with pytest.raises(OutputStreamLimitError):
        t.render(s="x" * (OUTPUT_LIMIT // 80000))


def test_recursive_partial_stops(tmp_path: Path) -> None:
    (tmp_path / "_partials").mkdir()
    (tmp_path / "_partials" / "loop.liquid").write_text("x{% render '_partials/loop' %}", encoding="utf-8")
    env = build_environment(tmp_path, html=False)
    with pytest.raises(ContextDepthError):
        env.from_string("{% render '_partials/loop' %}").render()


def test_partial_change_is_reloaded(tmp_path: Path) -> None:
    import os

    part = tmp_path / "_partials" / "p.liquid"
    part.parent.mkdir()
    part.write_text("one", encoding="utf-8")
    env = build_environment(tmp_path, html=False)
    t = env.from_string("{% render '_partials/p' %}")
    assert t.render() == "one"
    part.write_text("two!", encoding="utf-8")
    stat = part.stat()
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert t.render() == "two!"


def _liquid_error(source: str, html: bool = False, **data: Any) -> LiquidError:
    env = build_environment(None, html=html)
    try:
        env.from_string(source).render(**data)
    except LiquidError as err:
        return err
    raise AssertionError("no error")


def test_error_conversion_carries_position_and_line() -> None:
    err = _liquid_error("Dzień dobry,\n\nfaktura {{ invoice.numbr }} czeka.", invoice={"number": "FV/1"})
    out = to_template_error(err, "invoice/x.email", line_offset=10, section="html")
    assert isinstance(out, TemplateRenderError)
    assert (out.template, out.line, out.column) == ("invoice/x.email", 13, 11)
    assert out.source_line == "faktura {{ invoice.numbr }} czeka."
    assert "invoice/x.email:13:11 (html): invoice.numbr is undefined" in str(out)


def test_syntax_error_conversion() -> None:
    env = build_environment(None, html=True)
    with pytest.raises(LiquidError) as info:
        env.from_string("line one\n{% if x %}\n{% endfor %}")
    out = to_template_error(info.value, "t", section="html")
    assert isinstance(out, TemplateSyntaxError)
    assert out.line == 3 and out.source_line == "{% endfor %}"


def test_missing_partial_is_not_found(tmp_path: Path) -> None:
    env = build_environment(tmp_path, html=False)
    with pytest.raises(LiquidError) as info:
        env.from_string("{% render '_partials/nope' %}").render()
    out = to_template_error(info.value, "t")
    assert isinstance(out, TemplateNotFoundError)
    assert "_partials/nope" in str(out)


def test_layout_with_blocks(tmp_path: Path) -> None:
    (tmp_path / "_layouts").mkdir()
    (tmp_path / "_layouts" / "base.liquid").write_text(
        "<h1>{% block title %}T{% endblock %}</h1>{% block content %}{% endblock %}", encoding="utf-8"
    )
    env = build_environment(tmp_path, html=True)
    t = env.from_string("{% extends '_layouts/base' %}{% block content %}<p>{{ who }}</p>{% endblock %}")
    assert t.render(who="<b>") == "<h1>T</h1><p>&lt;b&gt;</p>"
