"""Static validation: each problem kind with its position, and clean templates stay clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from atomcomm.templates.registry import TemplateRegistry
from atomcomm.templates.validate import Problem
from tests.templates.conftest import WriteTemplate, simple

FRONT_LINES = 6  # lines of simple()'s front matter with a subject


def _problems(reg: TemplateRegistry, write: WriteTemplate, body: str, **kw: str) -> list[Problem]:
    channel = kw.get("channel", "email")
    subject = kw.get("subject", "S") if channel == "email" else None
    write(f"invoice/t.{channel}", simple(subject, body, types=kw.get("types", "[invoice]"), channel=channel))
    return reg.validate(f"invoice/t.{channel}")


def _codes(problems: list[Problem]) -> list[tuple[str, int | None, int | None]]:
    return [(p.code, p.line, p.column) for p in problems]


def test_clean_template(reg: TemplateRegistry, write: WriteTemplate) -> None:
    body = (
        "{{ invoice.number }} {{ buyer.name }} {{ today | date }} {{ sender.name }} {{ own_company.nip | nip }}\n"
        "{% for l in invoice.lines %}{{ l.description }} {{ l.gross_amount | money }} {{ forloop.index }}{% endfor %}\n"
        "{% for r in invoice.vat_summary %}{{ r.rate }}{% endfor %}{{ lines.size }} {{ lines.first.unit }}\n"
        "{% assign c = buyer_contact %}{% if c %}{{ c.full_name }}{% endif %}{% capture x %}a{% endcapture %}{{ x }}\n"
        "{{ buyer_contact.mobile | default: '' | phone }} {{ invoice.number.size }}"
    )
    assert _problems(reg, write, body) == []


@pytest.mark.parametrize(
    ("body", "code", "column", "message"),
    [
        pytest.param("{{ invoce.number }}", "unknown_object", 3, "unknown object 'invoce'; did you mean invoice?",
                     id="unknown-object"),
        pytest.param("ab {{ invoice.numbr }}", "unknown_field", 6, "has no field 'numbr'; did you mean number?",
                     id="unknown-field"),
        pytest.param("{{ buyer.nipp }}", "unknown_field", 3, "'buyer' (Nabywca) has no field 'nipp'",
                     id="unknown-field-of-party"),
        pytest.param("{% for l in lines %}{{ l.nme }}{% endfor %}", "unknown_field", 23,
                     "'l' (Pozycje) has no field 'nme'", id="loop-variable-field"),
        pytest.param("{% for p in invoice.payments %}{{ p.paid }}{% endfor %}", "unknown_field", 34,
                     "has no field 'paid'; did you mean paid_on", id="loop-over-root-list"),
        pytest.param("{{ invoice.lines.description }}", "unknown_field", 3, "is a list of",
                     id="field-of-a-list"),
        pytest.param("{{ invoice.buyer.name }}", "unknown_field", 3, "has no field 'buyer'",
                     id="related-party-is-top-level"),
        pytest.param("{{ invoice.number.first }}", "unknown_field", 3, "is a str; it has no field 'first'",
                     id="field-of-a-scalar"),
        pytest.param("{{ invoice.gross_total | monney }}", "unknown_filter", 25,
                     "unknown filter 'monney'; did you mean money?", id="unknown-filter"),
        pytest.param("{{ invoice.due_date | money }}", "filter_type", 22, "'money' formats amounts", id="money-on-date"),
        pytest.param("{{ invoice.gross_total | date }}", "filter_type", 25, "'date' formats dates", id="date-on-money"),
        pytest.param("{% assign b = buyer %}{{ b.nazwa }}", "unknown_field", 25, "has no field 'nazwa'",
                     id="assigned-object"),
        pytest.param("{% render '_partials/nope' %}", "missing_partial", 3, "cannot load '_partials/nope'",
                     id="missing-partial"),
    ],
)  # fmt: skip
def test_problem_kinds(
    reg: TemplateRegistry, write: WriteTemplate, body: str, code: str, column: int, message: str
) -> None:
    problems = _problems(reg, write, body)
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.code, p.line, p.column, p.section) == (code, FRONT_LINES + 1, column, "html")
    assert message in p.message
    assert p.source_line == body and p.template == "invoice/t.email" and p.severity == "error"


def test_problem_on_a_later_line(reg: TemplateRegistry, write: WriteTemplate) -> None:
    problems = _problems(reg, write, "<p>\n\n    {{ invoice.nuber }}</p>")
    assert _codes(problems) == [("unknown_field", FRONT_LINES + 3, 7)]
    assert problems[0].source_line == "    {{ invoice.nuber }}</p>"
    assert str(problems[0]).startswith(f"invoice/t.email:{FRONT_LINES + 3}:7: error:")


def test_problem_in_partial(reg: TemplateRegistry, write: WriteTemplate, folder: Path) -> None:
    (folder / "_partials" / "p.liquid").write_text("x\n{{ seller.nme }} {{ who.name }}", encoding="utf-8")
    problems = _problems(reg, write, "{% render '_partials/p', who: buyer %}")
    assert [(p.template, p.line, p.column, p.code) for p in problems] == [
        ("_partials/p", 2, 3, "unknown_field")
    ]


def test_partial_argument_shape(reg: TemplateRegistry, write: WriteTemplate, folder: Path) -> None:
    (folder / "_partials" / "q.liquid").write_text("{{ who.nip }} {{ who.nippp }}", encoding="utf-8")
    problems = _problems(reg, write, "{% render '_partials/q', who: buyer %}")
    assert [(p.template, p.code) for p in problems] == [("_partials/q", "unknown_field")]
    assert "'who' (Nabywca) has no field 'nippp'" in problems[0].message


def test_syntax_error(reg: TemplateRegistry, write: WriteTemplate) -> None:
    problems = _problems(reg, write, "ok\n{% if invoice.number %}\n{% endfor %}")
    assert [(p.code, p.line) for p in problems] == [("syntax", FRONT_LINES + 3)]


def test_front_matter_problem(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/t.email", "---\nname: [x\n---\nbody")
    [p] = reg.validate("invoice/t.email")
    assert p.code == "front_matter" and p.line is not None and "malformed front matter" in p.message


def test_non_utf8_problem(reg: TemplateRegistry, folder: Path) -> None:
    (folder / "invoice").mkdir()
    (folder / "invoice" / "t.sms.liquid").write_bytes("---\n---\nPłatność".encode("cp1250"))
    [p] = reg.validate("invoice/t.sms")
    assert (p.code, p.line) == ("encoding", 3) and "not UTF-8" in p.message


def test_subject_problems(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/t.email", simple("Faktura {{ invoice.nummer }}", "<p>x</p>"))
    [p] = reg.validate("invoice/t.email")
    assert (p.code, p.section, p.line) == ("unknown_field", "subject", 5)


def test_missing_subject(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/t.email", simple(None, "<p>{{ invoice.number }}</p>"))
    assert [p.code for p in reg.validate("invoice/t.email")] == ["missing_subject"]


def test_sms_fixed_text_too_long(reg: TemplateRegistry, write: WriteTemplate) -> None:
    fixed = (
        "Przypominamy o zaległej płatności. " * 6
    )  # about 210 characters, UCS-2 because of the Polish letters
    write("invoice/t.sms", f"---\nmax_parts: 2\n---\n{fixed}{{{{ invoice.number }}}}")
    problems = reg.validate("invoice/t.sms")
    assert [p.code for p in problems] == ["sms_too_long", "sms_encoding"]
    assert "takes 4 SMS parts" in problems[0].message and problems[0].line == 4
    assert problems[1].severity == "warning" and "ł" in problems[1].message


def test_sms_fixed_text_ignores_conditional_text(reg: TemplateRegistry, write: WriteTemplate) -> None:
    optional = "Dodatkowa informacja. " * 20
    write(
        "invoice/t.sms",
        f"---\nmax_parts: 1\n---\nFV {{{{ invoice.number }}}}{{% if invoice.notes %}}{optional}{{% endif %}}",
    )
    assert reg.validate("invoice/t.sms") == []


def test_sms_transliterated_fixed_text_fits(reg: TemplateRegistry, write: WriteTemplate) -> None:
    fixed = "Zażółć gęślą jaźń. " * 7  # 133 characters: 2 parts in UCS-2, 1 part once transliterated
    write("invoice/t.sms", f"---\nmax_parts: 1\ntransliterate: yes\n---\n{fixed}")
    assert reg.validate("invoice/t.sms") == []


@pytest.mark.parametrize(
    ("meta", "code", "severity"),
    [
        pytest.param("recipients: [buyer_contakt]", "unknown_role", "error", id="role"),
        pytest.param("attachments: {prints: [contract]}", "unknown_print", "error", id="print"),
        pytest.param("attachments: {files: [attachments/nope.pdf]}", "missing_file", "warning", id="file"),
        pytest.param(
            "attachments: {files: [../../etc/passwd]}", "missing_file", "error", id="outside-folder"
        ),
    ],
)
def test_front_matter_references(
    reg: TemplateRegistry, write: WriteTemplate, meta: str, code: str, severity: str
) -> None:
    write("invoice/t.sms", f"---\n{meta}\n---\n{{{{ invoice.number }}}}")
    [p] = reg.validate("invoice/t.sms")
    assert (p.code, p.severity, p.line, p.section) == (code, severity, 2, "front_matter")


def test_multi_type_template_uses_names_of_each_type(reg: TemplateRegistry, write: WriteTemplate) -> None:
    body = "{% if invoice %}{{ invoice.number }}{% endif %}{% if contract %}{{ contract.subject }}{% endif %}"
    assert _problems(reg, write, body, types="[invoice, contract]") == []
    write("invoice/u.sms", simple(None, "{{ contract.subject }}", channel="sms"))
    assert [p.code for p in reg.validate("invoice/u.sms")] == ["unknown_object"]


def test_free_text(reg: TemplateRegistry) -> None:
    problems = reg.validate("Dzien dobry {{ buyer.nme }}", object_type="invoice", channel="sms")
    assert _codes(problems) == [("unknown_field", 1, 15)]
