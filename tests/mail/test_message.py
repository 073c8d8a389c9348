"""Building messages: headers, MIME tree, UTF-8 everywhere, Bcc, Message-ID, CSS inlining, injection."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
import pytest

from atomcomm.errors import AddressError, MessageError
from atomcomm.mail import Attachment, InlineImage, Mailbox, OutgoingEmail, build_email, make_message_id
from tests.conftest import free_port

WARSAW = ZoneInfo("Europe/Warsaw")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = """<html><head><style>p.lead { color: #c00; } td { padding: 4px; }</style></head>
<body><p class="lead">Dzień dobry, Łukasz 🙂</p>
<table><tr><td>Faktura</td><td>FV/2026/11/001</td></tr></table>
<p><img src="cid:logo@atom"> <a href="https://atom.example.pl/f/1">Pobierz</a></p></body></html>"""


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def build(company: Mailbox, **kwargs: Any) -> bytes:
    args: dict[str, Any] = {"key": "k-1", "to": "jan@example.pl", "subject": "Temat", "text": "Treść"}
    args.update(kwargs)
    return build_email(company, **args).data


@pytest.fixture
def full(company: Mailbox) -> tuple[OutgoingEmail, EmailMessage]:
    out = build_email(
        company,
        key="invoice-42/payment_reminder#1",
        to=[("Łukasz Żółkiewski", "lukasz@example.pl"), "Kowalski, Jan <jan.kowalski@żółw.pl>"],
        cc="Księgowość <ksiegowosc@example.pl>",
        bcc=["archiwum@atom.example.pl", "lukasz@example.pl"],
        reply_to="Dział windykacji <windykacja@atom.example.pl>",
        subject="Faktura FV/2026/11/001 – przypomnienie o płatności 🙂 Zażółć gęślą jaźń",
        html=HTML,
        attachments=[Attachment("Faktura_FV-2026-11-001_Żółć.pdf", PDF)],
        inline_images=[InlineImage("logo@atom", PNG, filename="logo.png")],
        headers={"Auto-Submitted": "auto-generated"},
        date=dt.datetime(2026, 11, 27, 10, 30, tzinfo=WARSAW),
    )
    return out, parse(out.data)


def test_headers_carry_names_and_utf8_and_no_bcc(full: tuple[OutgoingEmail, EmailMessage]) -> None:
    out, msg = full
    [sender] = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Atom Sp. z o.o. – Faktury", "faktury@atom.example.pl")
    to = msg["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [
        ("Łukasz Żółkiewski", "lukasz@example.pl"),
        ("Kowalski, Jan", "jan.kowalski@xn--w-uga1v8h.pl"),
    ]
    assert [a.display_name for a in msg["Cc"].addresses] == ["Księgowość"]
    assert str(msg["Reply-To"]) == "Dział windykacji <windykacja@atom.example.pl>"
    assert msg["Subject"] == "Faktura FV/2026/11/001 – przypomnienie o płatności 🙂 Zażółć gęślą jaźń"
    assert msg["Date"] == "Fri, 27 Nov 2026 10:30:00 +0100"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Bcc"] is None
    raw = out.data
    assert b"archiwum@atom.example.pl" not in raw
    assert raw.isascii(), "headers are encoded words, bodies quoted-printable/base64"


def test_envelope_has_every_recipient_once_including_bcc(full: tuple[OutgoingEmail, EmailMessage]) -> None:
    out, _ = full
    assert out.sender == "faktury@atom.example.pl"
    assert out.recipients == (
        "lukasz@example.pl",
        "jan.kowalski@xn--w-uga1v8h.pl",
        "ksiegowosc@example.pl",
        "archiwum@atom.example.pl",
    )
    assert out.needs_smtputf8 is False


def test_lines_end_with_crlf(full: tuple[OutgoingEmail, EmailMessage]) -> None:
    raw: bytes = full[0].data
    assert raw.count(b"\n") == raw.count(b"\r\n") > 50
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_mime_tree_text_html_related_image_and_attachment(full: tuple[OutgoingEmail, EmailMessage]) -> None:
    _, msg = full
    tree = [part.get_content_type() for part in msg.walk()]
    assert tree == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Dzień dobry, Łukasz 🙂" in plain and "FV/2026/11/001" in plain
    assert "<" not in plain and "style" not in plain, "the text part is text, not the HTML source"
    assert "https://atom.example.pl/f/1" in plain
    markup = html.get_content()
    assert '<p class="lead" style="color: #c00;">Dzień dobry, Łukasz 🙂</p>' in markup
    assert "<style>" not in markup
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@atom>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG


def test_attachment_keeps_utf8_file_name_and_bytes(full: tuple[OutgoingEmail, EmailMessage]) -> None:
    out, msg = full
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "Faktura_FV-2026-11-001_Żółć.pdf"
    assert att.get_content() == PDF
    assert b"filename*=utf-8''Faktura_FV-2026-11-001_%C5%BB%C3%B3%C5%82%C4%87.pdf" in out.data


def test_message_id_is_deterministic_per_key_in_the_mailbox_domain(company: Mailbox) -> None:
    first = build_email(company, key="inv-42-reminder-1", to="a@example.pl", subject="s", text="t")
    again = build_email(company, key="inv-42-reminder-1", to="b@example.pl", subject="x", text="y")
    other = build_email(company, key="inv-42-reminder-2", to="a@example.pl", subject="s", text="t")
    assert first.message_id == again.message_id != other.message_id
    assert first.message_id.startswith("<inv-42-reminder-1.") and first.message_id.endswith(
        "@atom.example.pl>"
    )
    assert parse(first.data)["Message-ID"] == first.message_id


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a b", "a-b"),
        ("x/1", "x:1"),
        ("zażółć", "za-"),
        ("inv..1.", "inv-1"),
        ("." * 70 + "a", "-" * 70 + "a"),
    ],
    ids=["space-vs-dash", "slash-vs-colon", "unicode", "dots", "long"],
)
def test_message_ids_differ_when_keys_differ_only_in_odd_characters(a: str, b: str) -> None:
    ids = {make_message_id(a, "atom.example.pl"), make_message_id(b, "atom.example.pl")}
    assert len(ids) == 2
    for mid in ids:
        assert re.fullmatch(r"<[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*@atom\.example\.pl>", mid), mid
        parsed = email.message_from_string(f"Message-ID: {mid}\n\n", policy=email.policy.default)
        assert parsed["Message-ID"] == mid and not parsed["Message-ID"].defects


def test_text_only_message_is_a_single_text_part(company: Mailbox) -> None:
    msg = parse(build(company, text="Dzień dobry,\nfaktura w załączeniu.\n"))
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().replace("\r\n", "\n") == "Dzień dobry,\nfaktura w załączeniu.\n"
    assert msg["Reply-To"] is None


def test_given_text_part_is_used_as_is_next_to_html(company: Mailbox) -> None:
    msg = parse(build(company, text="Wersja tekstowa.", html="<p>Wersja <b>HTML</b></p>"))
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and text.get_content().strip() == "Wersja tekstowa."
    assert html is not None and "<b>HTML</b>" in html.get_content()


def test_mailbox_reply_to_is_the_default_and_can_be_overridden(company: Mailbox) -> None:
    from dataclasses import replace

    box = replace(company, reply_to="biuro@atom.example.pl")
    assert str(parse(build(box))["Reply-To"]) == "biuro@atom.example.pl"
    assert str(parse(build(box, reply_to="inna@atom.example.pl"))["Reply-To"]) == "inna@atom.example.pl"


def test_envelope_from_can_be_a_bounce_address(company: Mailbox) -> None:
    out = build_email(
        company, key="k", to="a@example.pl", subject="s", text="t", envelope_from="bounce@atom.example.pl"
    )
    assert out.sender == "bounce@atom.example.pl"
    assert str(parse(out.data)["From"]).endswith("<faktury@atom.example.pl>")


def test_marketing_mail_gets_one_click_unsubscribe_with_long_urls_kept_whole(company: Mailbox) -> None:
    url = "https://atom.example.pl/unsubscribe/" + "a1b2c3d4" * 20 + "?campaign=zima-2026"
    out = build_email(
        company,
        key="camp-1-7",
        to="a@example.pl",
        subject="Oferta",
        html="<p>Oferta</p>",
        is_marketing=True,
        unsubscribe_url=url,
        unsubscribe_mailto="wypisz@atom.example.pl?subject=unsubscribe",
    )
    msg = parse(out.data)
    assert msg["List-Unsubscribe"] == f"<mailto:wypisz@atom.example.pl?subject=unsubscribe>, <{url}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"<{url}>".encode() in out.data, "the URL is on one line, not in encoded words"
    assert (
        b"=?utf-8?" not in out.data.split(b"\r\n\r\n")[0].split(b"List-Unsubscribe:")[1].split(b"\r\nList")[0]
    )


def test_marketing_mail_without_unsubscribe_url_is_refused(company: Mailbox) -> None:
    with pytest.raises(MessageError, match="marketing mail needs unsubscribe_url"):
        build(company, is_marketing=True)


def test_transactional_mail_has_no_list_unsubscribe(company: Mailbox) -> None:
    msg = parse(build(company))
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize(
    "url",
    ["http://atom.example.pl/u/1", "https://atom.example.pl/u/a b", "https://atom.example.pl/u/<1>"],
    ids=["http", "space", "angle-brackets"],
)
def test_unsubscribe_urls_that_break_the_header_are_refused(company: Mailbox, url: str) -> None:
    with pytest.raises(MessageError, match="unsubscribe_url"):
        build(company, is_marketing=True, unsubscribe_url=url)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": "Faktura\r\nBcc: victim@example.pl"}, "Subject"),
        ({"subject": "Faktura\nX-Spam: no"}, "Subject"),
        ({"to": ("Jan\r\nBcc: x@example.pl", "jan@example.pl")}, "To display name"),
        ({"cc": ["a@example.pl", "Zła\nNazwa <b@example.pl>"]}, r"Cc\[2\]"),
        ({"reply_to": "Ktoś\r <r@example.pl>"}, "Reply-To"),
        ({"attachments": [Attachment("a\r\nContent-Type: text/html.pdf", b"x")]}, "attachment 1 file name"),
        ({"headers": {"X-Object": "invoice\r\nBcc: x@example.pl"}}, "X-Object"),
        ({"is_marketing": True, "unsubscribe_url": "https://a.example.pl/\r\nX: 1"}, "unsubscribe_url"),
    ],
    ids=[
        "subject-crlf",
        "subject-lf",
        "to-name",
        "cc-name",
        "reply-to",
        "filename",
        "extra-header",
        "unsubscribe",
    ],
)
def test_header_injection_is_refused_naming_the_field(
    company: Mailbox, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(MessageError, match=f"^{field}: line breaks are not allowed"):
        build(company, **kwargs)


def test_mailbox_display_name_with_line_break_is_a_config_error() -> None:
    from atomcomm.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[mailboxes.company\]: name: line breaks"):
        Mailbox.from_settings(
            "company", {"name": "Atom\r\nBcc: x@example.pl", "address": "a@atom.example.pl"}
        )


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Subject": "x"}, "header Subject is set by build_email"),
        ({"bcc": "x@example.pl"}, "header bcc is set by build_email"),
        ({"X Bad": "x"}, "header name 'X Bad' is not valid"),
        ({"X-Colon:": "x"}, "header name 'X-Colon:' is not valid"),
    ],
    ids=["own-subject", "own-bcc", "space", "colon"],
)
def test_extra_headers_cannot_replace_ours_or_be_malformed(
    company: Mailbox, headers: dict[str, str], message: str
) -> None:
    with pytest.raises(MessageError, match=message):
        build(company, headers=headers)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"to": None}, MessageError, "no recipients"),
        ({"text": None}, MessageError, "no body"),
        ({"to": "not-an-address"}, AddressError, "To: 'not-an-address' is not a valid"),
        ({"bcc": ["ok@example.pl", "bad@"]}, AddressError, r"Bcc\[2\]"),
        ({"inline_images": [InlineImage("logo", PNG, "image/png")]}, MessageError, "need an HTML body"),
        (
            {"html": "<p>no image</p>", "inline_images": [InlineImage("logo", PNG, "image/png")]},
            MessageError,
            "is not shown by the HTML",
        ),
        (
            {"html": '<img src="cid:x">', "inline_images": [InlineImage("x", PNG)]},
            MessageError,
            "pass mimetype",
        ),
        ({"key": ""}, MessageError, "the message key is empty"),
        ({"attachments": [Attachment("f.bin", b"x", "nonsense")]}, MessageError, "not a MIME type"),
    ],
    ids=[
        "no-rcpt",
        "no-body",
        "bad-to",
        "bad-bcc",
        "image-no-html",
        "image-unused",
        "image-type",
        "no-key",
        "bad-type",
    ],
)
def test_messages_that_cannot_be_built_say_why(
    company: Mailbox, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build(company, **kwargs)


def test_attachment_type_is_guessed_from_the_name_or_given(company: Mailbox) -> None:
    msg = parse(
        build(
            company,
            attachments=[
                Attachment("lista.csv", "a;b\nż;ó\n".encode()),
                Attachment("zdjęcie.png", PNG),
                Attachment("dane", b"\x00\x01"),
                Attachment("raport", b"{}", "application/json"),
            ],
        )
    )
    got = [
        (a.get_filename(), a.get_content_type(), a.get_content_disposition()) for a in msg.iter_attachments()
    ]
    assert got == [
        ("lista.csv", "text/csv", "attachment"),
        ("zdjęcie.png", "image/png", "attachment"),
        ("dane", "application/octet-stream", "attachment"),
        ("raport", "application/json", "attachment"),
    ]


def test_non_ascii_local_part_switches_to_smtputf8(company: Mailbox) -> None:
    out = build_email(company, key="k", to="Zażółć <zażółć@example.pl>", subject="Żółć", text="t")
    assert out.needs_smtputf8
    assert out.recipients == ("zażółć@example.pl",)
    assert "To: Zażółć <zażółć@example.pl>".encode() in out.data
    parsed = email.message_from_string(out.data.decode("utf-8"), policy=email.policy.default)
    assert parsed["To"].addresses[0].username == "zażółć"
    assert parsed["Subject"] == "Żółć"


@pytest.fixture
def css_server(tmp_path: Path) -> Iterator[tuple[str, Callable[[], list[str]]]]:
    """An HTTP server on 127.0.0.1 (own process: css-inline holds the GIL while it fetches) serving a
    stylesheet; the second value returns the paths requested so far."""
    (tmp_path / "remote.css").write_text("p { color: #00f; }")
    port = free_port()
    log = tmp_path / "http.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(tmp_path),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)

    def requested() -> list[str]:
        return re.findall(r'"GET (\S+) HTTP', log.read_text())

    yield f"http://127.0.0.1:{port}/remote.css", requested
    proc.terminate()
    proc.wait(5)


def test_css_inlining_never_fetches_remote_stylesheets(
    company: Mailbox, css_server: tuple[str, Callable[[], list[str]]]
) -> None:
    url, requested = css_server
    html = f'<html><head><link rel="stylesheet" href="{url}"><style>b {{ color: red; }}</style></head><body><p><b>x</b></p></body></html>'
    msg = parse(build(company, html=html, text=None))
    body = msg.get_body(("html",))
    assert body is not None
    assert '<b style="color: red;">' in body.get_content()
    assert "#00f" not in body.get_content()
    assert requested() == []
    assert "#00f" in css_inline.inline(html), "the library's default fetches, so the server would see it"
    assert requested() == ["/remote.css"]


def test_css_inlining_can_be_switched_off(company: Mailbox) -> None:
    html = "<style>b { color: red; }</style><b>x</b>"
    body = parse(build(company, html=html, css_inlining=False)).get_body(("html",))
    assert body is not None and body.get_content().strip() == html


def test_wire_bytes_equal_the_standard_library_serialisation(
    full: tuple[OutgoingEmail, EmailMessage], company: Mailbox
) -> None:
    out, _ = full
    assert out.data == out.message.as_bytes()
    utf8 = build_email(
        company,
        key="k",
        to="zażółć@example.pl",
        subject="Żółć",
        text="a\nb\r\nc\rd\n\nFrom here\n.",
        html="<p>x</p>",
        attachments=[Attachment("a.txt", b"line\r\nline\n")],
    )
    assert utf8.data == utf8.message.as_bytes()


def test_messages_survive_pickling_and_copying(company: Mailbox) -> None:
    import copy
    import pickle

    out = build_email(
        company,
        key="camp-9",
        to="a@example.pl",
        subject="Oferta – żółć",
        html="<p>x</p>",
        is_marketing=True,
        unsubscribe_url="https://atom.example.pl/u/" + "x" * 120,
    )
    data = out.data  # the first serialisation fixes the MIME boundaries
    for clone in (pickle.loads(pickle.dumps(out)), copy.deepcopy(out)):
        assert clone.message.as_bytes() == data
        assert clone.recipients == out.recipients and clone.key == out.key
        assert clone.message["List-Unsubscribe"] == out.message["List-Unsubscribe"]
