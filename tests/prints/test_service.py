"""ws.prints / ws.printing: prints of objects, file names, the cache, errors of one object, pre-flight."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from atomcomm import Workspace
from atomcomm.errors import ObjectNotFoundError, PrintError
from atomcomm.prints.service import PrintService, safe_filename

from ..conftest import TODAY
from .conftest import pdf_text


@pytest.mark.parametrize(
    ("object_type", "root", "prefix", "suffix"),
    [
        ("invoice", "invoice", "Faktura_", ".pdf"),
        ("transport_order", "order", "Zlecenie_", ".pdf"),
        ("contract", "contract", "Umowa_", "_podsumowanie.pdf"),
    ],
)
def test_each_type_has_its_print(
    ws: Workspace, object_type: str, root: str, prefix: str, suffix: str
) -> None:
    ctx = ws.erp.context(object_type, 7)
    [p] = ws.prints(object_type, 7)
    assert p.name == object_type
    assert p.name in ws.erp.type(object_type).prints
    assert (p.object_type, p.object_id, p.template) == (object_type, 7, f"{object_type}/{object_type}")
    assert p.filename == prefix + ctx[root]["number"].replace("/", "-") + suffix
    text = pdf_text(p.render())
    assert ctx[root]["number"] in text


def test_types_without_prints(ws: Workspace) -> None:
    assert ws.prints("company", 1) == []
    with pytest.raises(PrintError, match="company has 0 prints"):
        ws.printing.get("company", 1)


def test_missing_object_and_unknown_print(ws: Workspace) -> None:
    with pytest.raises(ObjectNotFoundError):
        ws.prints("invoice", 999_999)
    with pytest.raises(PrintError, match="no print 'duplicate' for invoice"):
        ws.printing.get("invoice", 1, "duplicate")


def test_render_is_cached_per_object(ws: Workspace) -> None:
    service = PrintService(ws.erp, ws.config.templates_path)
    first = service.get("invoice", 3).render()
    again = service.get("invoice", 3).render()
    assert again is first
    assert (service.hits, service.misses) == (1, 1)
    other = service.get("invoice", 4).render()
    assert other != first and service.misses == 2
    assert service.cached_bytes == len(first) + len(other)
    service.clear_cache()
    assert service.cached_bytes == 0


def test_changed_data_renders_again(ws: Workspace) -> None:
    service = PrintService(ws.erp, ws.config.templates_path)
    ctx = ws.erp.context("invoice", 5)
    first = service.prints("invoice", 5, context=ctx)[0].render()
    ctx["buyer"] = {**ctx["buyer"], "name": "Przedsiębiorstwo Źródło Sp. z o.o."}
    changed = service.prints("invoice", 5, context=ctx)[0].render()
    assert "Przedsiębiorstwo Źródło Sp. z o.o." in pdf_text(changed)
    assert "Przedsiębiorstwo Źródło Sp. z o.o." not in pdf_text(first)
    assert service.misses == 2


def test_cache_is_bounded(ws: Workspace) -> None:
    service = PrintService(ws.erp, ws.config.templates_path, cache_bytes=40_000)
    for oid in (1, 2, 3, 4):
        service.get("invoice", oid).render()
    assert 0 < service.cached_bytes <= 40_000
    service.get("invoice", 1).render()  # evicted long ago
    assert service.misses == 5


def test_edited_template_renders_again(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    before = w.printing.get("invoice", 8).render()
    path = w.config.templates_path / "prints" / "invoice" / "invoice.html.liquid"
    path.write_text(
        path.read_text(encoding="utf-8").replace("</body>", "<p>Dziękujemy za współpracę!</p></body>")
    )
    after = w.printing.get("invoice", 8).render()
    assert "Dziękujemy za współpracę!" in pdf_text(after)
    assert "Dziękujemy za współpracę!" not in pdf_text(before)


def test_error_names_object_template_and_line(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    path = w.config.templates_path / "prints" / "invoice" / "invoice.html.liquid"
    lines = path.read_text(encoding="utf-8").splitlines()
    body = lines.index("<body>")
    lines.insert(body + 1, "<p>{{ invoice.numbr }}</p>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [p] = w.prints("invoice", 9)  # the file name still renders
    with pytest.raises(PrintError) as err:
        p.render()
    message = str(err.value)
    assert "print 'invoice' of invoice 9" in message
    assert f"prints/invoice/invoice:{body + 2}" in message
    assert "invoice.numbr" in message


def test_bad_filename_pattern_fails_when_listing(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    path = w.config.templates_path / "prints" / "contract" / "contract.html.liquid"
    path.write_text(path.read_text(encoding="utf-8").replace("contract.number |", "contract.nr |", 1))
    with pytest.raises(PrintError, match=r"print 'contract' of contract 2 .*file name.*contract\.nr"):
        w.prints("contract", 2)


def test_preflight_keeps_errors_per_row_and_no_pdfs(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    service = w.printing
    checks = service.preflight("invoice", [1, 999_999, 2])
    assert [c.object_id for c in checks] == [1, 999_999, 2]
    ok = [c for c in checks if c.error is None]
    assert [c.object_id for c in ok] == [1, 2]
    assert all(c.size and c.size > 1000 and c.filename and c.filename.endswith(".pdf") for c in ok)
    assert checks[1].error == "no invoice with id 999999" and checks[1].size is None
    assert service.cached_bytes == 0
    unknown = service.preflight("invoice", [1], ["duplicate"])
    assert unknown[0].error is not None and "no print 'duplicate'" in unknown[0].error


def test_preflight_reports_a_failing_print_for_each_object(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    path = w.config.templates_path / "prints" / "transport_order" / "transport_order.html.liquid"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{{ order.cargo }}", "{{ order.cargo | money: 'XYZ', 1, 2, 3 }}"
        )
    )
    checks = w.printing.preflight("transport_order", [1, 2])
    assert all(c.error and "print 'transport_order' of transport_order" in c.error for c in checks)
    assert [c.filename for c in checks] == [
        p.filename for i in (1, 2) for p in w.prints("transport_order", i)
    ]


def test_globals_are_those_of_message_templates(ws: Workspace) -> None:
    g = ws.printing.globals()
    assert g["today"] == TODAY
    assert g["own_company"]["is_own"] is True
    assert "sender" in g
    assert "FV/" in ws.printing.html("invoice", 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Faktura_FV-2025-06-0042.pdf", "Faktura_FV-2025-06-0042.pdf"),
        ("Faktura FV/2025/06", "Faktura FV_2025_06.pdf"),
        ("../../etc/passwd", "etc_passwd.pdf"),
        ("Zlecenie\r\nBcc: x@example.com", "Zlecenie_Bcc_ x@example.com.pdf"),
        ("  ", "fallback.pdf"),
        ("Umowa „Łódź”.PDF", "Umowa „Łódź”.PDF"),
        ("x" * 300, "x" * 146 + ".pdf"),
    ],
    ids=["plain", "slashes", "traversal", "header-injection", "empty", "polish", "too-long"],
)
def test_safe_filename(text: str, expected: str) -> None:
    assert safe_filename(text, "fallback") == expected
