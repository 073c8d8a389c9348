"""Attachment proposals: prints and fixed files of a template, files added by hand, the checks before
sending, and pre-flight over many objects."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.compose.attachments import (
    AttachmentProposal,
    added_bytes,
    added_file,
    attachment_payloads,
    attachment_spec,
    attachments_frame,
    check_attachments,
    max_total_bytes,
    preflight_attachments,
    preflight_summary,
    propose_attachments,
    resolve_template_file,
    template_file_proposal,
    total_size,
)
from atomcomm.errors import AttachmentError, ConfigError

from ..conftest import REPO
from .conftest import pdf_text

INVOICE_SPEC = {"prints": ["invoice"], "files": ["attachments/windykacja.pdf"]}


def test_invoice_template_proposals(ws: Workspace) -> None:
    info = ws.templates.info("invoice/invoice_sending.email")
    proposals = propose_attachments(ws, info.attachments, "invoice", 42)
    number = ws.erp.context("invoice", 42)["invoice"]["number"]
    rows = attachments_frame(proposals).to_dict("records")
    assert [(r["filename"], r["source"], r["included"], r["error"]) for r in rows] == [
        (f"Faktura_{number.replace('/', '-')}.pdf", "print", True, None),
        ("windykacja.pdf", "template", True, None),
    ]
    pdf, rules = proposals[0].read(), proposals[1].read()
    assert rows[0]["size"] == len(pdf) and number in pdf_text(pdf)
    assert rows[1]["size"] == (REPO / "templates" / "attachments" / "windykacja.pdf").stat().st_size
    assert rules.startswith(b"%PDF")
    assert total_size(proposals) == len(pdf) + len(rules)


def test_spec_shapes() -> None:
    assert attachment_spec(None) == ([], [])
    assert attachment_spec({"files": "attachments/a.pdf"}) == ([], ["attachments/a.pdf"])
    with pytest.raises(AttachmentError, match="prints and files only"):
        attachment_spec({"prints": [], "links": []})
    with pytest.raises(AttachmentError, match="list of names"):
        attachment_spec({"prints": [1, 2]})


def test_unmeasured_prints_are_measured_at_the_gate(ws: Workspace) -> None:
    proposals = propose_attachments(ws, {"prints": ["transport_order"]}, "transport_order", 3, measure=False)
    assert proposals[0].size is None and proposals[0].error is None
    [ok] = check_attachments(proposals, 10_000_000)
    assert ok.size is not None and ok.size > 1000


# --- fixed files: every way out of templates/attachments/ is refused ------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    (templates / "attachments" / "sub").mkdir(parents=True)
    (templates / "attachments" / "ok.pdf").write_bytes(b"%PDF-1.7 regulamin")
    (templates / "attachments" / "sub" / "deep.pdf").write_bytes(b"%PDF-1.7 deep")
    (templates / "attachments" / "empty.pdf").write_bytes(b"")
    (templates / "secret.pdf").write_bytes(b"%PDF-1.7 not an attachment")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.7 outside")
    os.symlink(tmp_path / "outside.pdf", templates / "attachments" / "link_out.pdf")
    os.symlink(templates / "attachments" / "ok.pdf", templates / "attachments" / "link_in.pdf")
    os.symlink(tmp_path, templates / "attachments" / "dir_out")
    return templates


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("attachments/missing.pdf", "file not found"),
        ("attachments/../secret.pdf", "'..' is not allowed"),
        ("attachments/../../outside.pdf", "'..' is not allowed"),
        ("/etc/passwd", "absolute paths are not allowed"),
        ("C:/Windows/win.ini", "absolute paths are not allowed"),
        ("attachments\\..\\secret.pdf", "write paths with '/'"),
        ("secret.pdf", "must be under attachments/"),
        ("attachments", "must be under attachments/"),
        ("attachments/link_out.pdf", "points outside"),
        ("attachments/dir_out/outside.pdf", "points outside"),
        ("attachments/empty.pdf", "the file is empty"),
        ("attachments/sub", "not a regular file"),
        ("", "empty or invalid"),
        ("attachments/a\x00.pdf", "empty or invalid"),
    ],
    ids=[
        "missing",
        "dotdot-inside",
        "dotdot-out",
        "absolute",
        "windows-drive",
        "backslashes",
        "not-under-folder",
        "folder-itself",
        "symlink-out",
        "symlinked-dir-out",
        "empty",
        "directory",
        "blank",
        "nul",
    ],
)
def test_unusable_template_files(tree: Path, ref: str, reason: str) -> None:
    with pytest.raises(AttachmentError, match=reason):
        resolve_template_file(tree, ref)
    proposal = template_file_proposal(tree, ref)
    assert proposal.error is not None and reason in proposal.error
    assert proposal.source == "template" and proposal.size is None


@pytest.mark.parametrize("ref", ["attachments/ok.pdf", "attachments/sub/deep.pdf", "attachments/link_in.pdf"])
def test_usable_template_files(tree: Path, ref: str) -> None:
    proposal = template_file_proposal(tree, ref)
    assert proposal.error is None
    assert proposal.filename == Path(ref).name
    assert proposal.size == len(proposal.read())


def test_file_swapped_after_proposal_is_refused_when_read(tree: Path) -> None:
    proposal = template_file_proposal(tree, "attachments/ok.pdf")
    target = tree / "attachments" / "ok.pdf"
    target.unlink()
    os.symlink(tree.parent / "outside.pdf", target)
    with pytest.raises(AttachmentError, match="points outside"):
        proposal.read()


def test_bad_file_is_an_error_of_that_message_only(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    spec = {"prints": ["invoice"], "files": ["attachments/windykacja.pdf", "attachments/brak.pdf"]}
    proposals = propose_attachments(w, spec, "invoice", 11)
    assert [p.error is None for p in proposals] == [True, True, False]
    with pytest.raises(
        AttachmentError, match=r"cannot send: brak\.pdf: attachments/brak\.pdf: file not found"
    ):
        check_attachments(proposals, 10_000_000)
    proposals[2].included = False  # the user removes it
    assert [p.filename for p in check_attachments(proposals, 10_000_000)] == [
        proposals[0].filename,
        "windykacja.pdf",
    ]


def test_failing_print_is_an_error_of_that_object_only(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws()
    path = w.config.templates_path / "prints" / "invoice" / "invoice.html.liquid"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "<body>", "<body>{% if invoice.id == 13 %}{{ invoice.not_a_field }}{% endif %}", 1
        ),
        encoding="utf-8",
    )
    bad = propose_attachments(w, INVOICE_SPEC, "invoice", 13)
    good = propose_attachments(w, INVOICE_SPEC, "invoice", 14)
    assert bad[0].error is not None and "print 'invoice' of invoice 13" in bad[0].error
    assert bad[1].error is None  # the fixed file is still fine
    assert all(p.error is None for p in good)
    missing = propose_attachments(w, INVOICE_SPEC, "invoice", 999_999)
    assert missing[0].error == "no invoice with id 999999"
    unknown = propose_attachments(w, {"prints": ["duplikat"]}, "invoice", 14)
    assert unknown[0].error is not None and "no print 'duplikat' for invoice" in unknown[0].error


# --- added by hand ---------------------------------------------------------------------------------------------


def test_added_files(tmp_path: Path) -> None:
    doc = tmp_path / "oferta.pdf"
    doc.write_bytes(b"%PDF-1.7 oferta")
    added = added_file(doc)
    assert (added.filename, added.source, added.size, added.content_type) == (
        "oferta.pdf",
        "added",
        len(b"%PDF-1.7 oferta"),
        "application/pdf",
    )
    assert added.read() == b"%PDF-1.7 oferta"
    upload = added_bytes("C:\\Users\\anowak\\cennik 2026.xlsx", b"PK\x03\x04")
    assert upload.filename == "cennik 2026.xlsx" and upload.source == "added"
    (tmp_path / "pusty.pdf").write_bytes(b"")
    with pytest.raises(AttachmentError, match="empty"):
        added_file(tmp_path / "pusty.pdf")
    with pytest.raises(AttachmentError, match="file not found"):
        added_file(tmp_path / "nie_ma.pdf")
    with pytest.raises(AttachmentError, match="not a regular file"):
        added_file(tmp_path)
    with pytest.raises(AttachmentError, match="empty"):
        added_bytes("a.pdf", b"")
    with pytest.raises(AttachmentError, match="not a usable file name"):
        added_bytes("../", b"x")


# --- the size limit -------------------------------------------------------------------------------------------


def test_total_size_limit_is_refused_before_sending(make_ws: Callable[..., Workspace]) -> None:
    w = make_ws("[attachments]\nmax_total_bytes = 20000\n")
    limit = max_total_bytes(w.config)
    assert limit == 20_000
    proposals = propose_attachments(w, INVOICE_SPEC, "invoice", 15)
    assert total_size(proposals) > limit
    with pytest.raises(AttachmentError, match=r"over the limit of 19\.5 kB per message") as err:
        check_attachments(proposals, limit)
    assert "windykacja.pdf" in str(err.value) and "Remove some attachments" in str(err.value)
    proposals[1].included = False
    assert len(check_attachments(proposals, limit)) == 1


def test_default_limit_and_bad_setting(ws: Workspace, make_ws: Callable[..., Workspace]) -> None:
    assert max_total_bytes(ws.config) == 10 * 1024 * 1024
    with pytest.raises(ConfigError, match="max_total_bytes"):
        max_total_bytes(make_ws('[attachments]\nmax_total_bytes = "10MB"\n').config)


def test_payloads_keep_names_apart(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "umowa.pdf").write_bytes(b"%PDF one")
    (tmp_path / "umowa.pdf").write_bytes(b"%PDF two")
    proposals: list[AttachmentProposal] = [
        added_file(tmp_path / "a" / "umowa.pdf"),
        added_file(tmp_path / "umowa.pdf"),
    ]
    assert attachment_payloads(proposals, 1000) == [
        ("umowa.pdf", "application/pdf", b"%PDF one"),
        ("umowa-2.pdf", "application/pdf", b"%PDF two"),
    ]


# --- pre-flight over many objects ------------------------------------------------------------------------------


def test_preflight_rows_and_summary(ws: Workspace) -> None:
    frame = preflight_attachments(ws, INVOICE_SPEC, "invoice", [20, 999_999, 21])
    assert list(frame.columns) == ["object_id", "filename", "source", "size", "error"]
    assert frame["object_id"].tolist() == [20, 20, 999_999, 999_999, 21, 21]
    assert frame["source"].tolist() == ["print", "template"] * 3
    errors = frame.set_index(["object_id", "source"])["error"]
    assert errors[(999_999, "print")] == "no invoice with id 999999"
    assert errors.drop((999_999, "print")).tolist() == [None] * 5
    assert ws.printing.cached_bytes == 0  # nothing kept
    summary = preflight_summary(frame, 10_000_000)
    assert summary.loc[20, "attachments_error"] is None
    assert summary.loc[20, "attachments_bytes"] == int(frame[frame.object_id == 20]["size"].sum())
    assert "no invoice with id 999999" in summary.loc[999_999, "attachments_error"]
    tight = preflight_summary(frame, 1000)
    assert "over the limit" in tight.loc[21, "attachments_error"]
