"""``atomcomm mailbox add|list|test|remove|set-password``.

Passwords are never command-line arguments (they would stay in the shell history and the process
list): ``set-password`` asks for it without echo, or reads one line from standard input with ``--stdin``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from atomcomm.cli import open_workspace, print_json
from atomcomm.errors import ConfigError
from atomcomm.mail.capture import CaptureTransport
from atomcomm.mail.mailboxes import Mailbox

# option name -> settings key, for `mailbox add`
_OPTIONS: dict[str, tuple[str, type, str]] = {
    "address": ("address", str, "From address (required)"),
    "name": ("name", str, "From display name"),
    "transport": ("transport", str, "smtp | capture | memory (default: capture)"),
    "host": ("host", str, "SMTP server"),
    "port": ("port", int, "SMTP port (default from --security: 465 / 587 / 25)"),
    "security": ("security", str, "ssl | starttls | none (default: starttls)"),
    "login": ("login", str, "SMTP login"),
    "password": (
        "password",
        str,
        "password REFERENCE: env:VARIABLE or keyring:SERVICE/USER (not the password)",
    ),
    "reply-to": ("reply_to", str, "Reply-To address"),
    "per-minute": ("per_minute", int, "messages per minute"),
    "per-day": ("per_day", int, "messages per day"),
    "connections": ("connections", int, "parallel connections"),
    "timeout": ("timeout", float, "seconds to wait for the server"),
    "ca-file": ("ca_file", str, "PEM file of trusted CAs (private CA)"),
    "imap-host": ("imap_host", str, "IMAP server for replies"),
    "imap-port": ("imap_port", int, "IMAP port"),
    "imap-security": ("imap_security", str, "ssl | starttls | none (default: ssl)"),
    "imap-login": ("imap_login", str, "IMAP login"),
    "imap-password": ("imap_password", str, "IMAP password REFERENCE"),
    "imap-folder": ("imap_folder", str, "IMAP folder (default: INBOX)"),
}


def _row(m: Mailbox) -> dict[str, Any]:
    return {
        "name": m.name,
        "source": m.source,
        "address": m.address,
        "display_name": m.display_name,
        "transport": m.transport,
        "where": m.where,
        "security": m.security if m.transport == "smtp" else "",
        "login": m.login or "",
        "password": m.password or "",
        "reply_to": m.reply_to or "",
        "per_minute": m.per_minute,
        "per_day": m.per_day,
        "connections": m.connections,
    }


def _cmd_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    boxes = ws.mailboxes.list()
    if args.json:
        print_json([m.describe() for m in boxes])
        return 0
    for m in boxes:
        r = _row(m)
        name = f"{r['display_name']} <{r['address']}>" if r["display_name"] else r["address"]
        auth = f", login {r['login']} (password {r['password'] or 'not set'})" if r["login"] else ""
        sec = f" {r['security']}" if r["security"] else ""
        print(f"{r['name']:<12} {name}")
        if m.transport == "capture":
            via = f"capture into {CaptureTransport.for_mailbox(m, ws.mailboxes.data_path).folder} (nothing is sent)"
        elif m.transport == "memory":
            via = "memory (tests)"
        else:
            via = f"smtp {r['where']}{sec}{auth}"
        print(f"{'':<12} {via}; from {r['source']}")
        print(f"{'':<12} limits: {r['per_minute']}/min, {r['per_day']}/day, {r['connections']} connections")
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    settings: dict[str, Any] = {}
    for option, (key, _, _) in _OPTIONS.items():
        value = getattr(args, option.replace("-", "_"))
        if value is not None:
            settings[key] = value
    mailbox = ws.mailboxes.add(args.user, settings, replace_existing=args.replace)
    if args.json:
        print_json(mailbox.describe())
    else:
        print(
            f"mailbox of {mailbox.name!r} stored: {mailbox.address} via {mailbox.transport} {mailbox.where}"
        )
        if mailbox.login and not mailbox.password:
            print(f"set its password with: atomcomm mailbox set-password {mailbox.name}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    removed = ws.mailboxes.remove(args.user)
    if args.json:
        print_json({"user": args.user, "removed": removed})
    elif removed:
        print(f"mailbox of {args.user!r} removed; {args.user} now sends through the company mailbox")
    else:
        print(f"user {args.user!r} had no stored mailbox")
    return 0 if removed else 1


def _cmd_test(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    mailbox = ws.mailboxes.get(args.mailbox) if args.mailbox else ws.mailboxes.for_user(args.as_user)
    report = ws.mailboxes.check(mailbox)
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"mailbox {report.mailbox} ({report.transport} {report.where})")
        for step in report.steps:
            print(f"  {'ok ' if step.ok else 'FAIL'} {step.step:<10} {step.detail}")
        print("ok" if report.ok else "failed")
    return 0 if report.ok else 1


def _read_password(args: argparse.Namespace) -> str:
    if args.stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for mailbox {args.mailbox}: ")
    if getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ; nothing was stored")
    return first


def _cmd_set_password(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    mailbox = ws.mailboxes.get(args.mailbox)
    reference = ws.mailboxes.set_password(mailbox.name, _read_password(args), imap=args.imap)
    key = "imap_password" if args.imap else "password"
    current = getattr(mailbox, key)
    needs_edit = mailbox.source != "database" and current != reference
    if args.json:
        print_json({"mailbox": mailbox.name, "reference": reference, "config_needs_edit": needs_edit})
        return 0
    print(f"password of mailbox {mailbox.name!r} stored in the system keyring as {reference}")
    if needs_edit:
        section = "[mailboxes.company]" if mailbox.is_company else f"[mailboxes.users.{mailbox.name}]"
        print(f'put {key} = "{reference}" into {section} of atomcomm.toml')
    return 0


def register(sub: Any) -> None:
    mailbox = sub.add_parser("mailbox", help="outgoing mailboxes: company and users' own")
    mailbox_sub = mailbox.add_subparsers(dest="mailbox_command", required=True)

    lst = mailbox_sub.add_parser("list", help="the company mailbox and users' own mailboxes")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_cmd_list)

    add = mailbox_sub.add_parser("add", help="store a user's own mailbox (wins over atomcomm.toml)")
    add.add_argument("user", help="ERP login of the mailbox's owner")
    for option, (_, kind, text) in _OPTIONS.items():
        add.add_argument(f"--{option}", type=kind, help=text, required=option == "address")
    add.add_argument("--replace", action="store_true", help="replace the user's stored mailbox")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=_cmd_add)

    remove = mailbox_sub.add_parser("remove", help="delete a user's stored mailbox")
    remove.add_argument("user")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(func=_cmd_remove)

    test = mailbox_sub.add_parser(
        "test", help="connect, negotiate TLS, log in and quit, showing each step (sends nothing)"
    )
    test.add_argument("mailbox", nargs="?", help="company, a login or an address (default: --as user's)")
    test.add_argument("--as", dest="as_user", help="the user whose mailbox to test")
    test.add_argument("--json", action="store_true")
    test.set_defaults(func=_cmd_test)

    setpw = mailbox_sub.add_parser("set-password", help="store a mailbox password in the system keyring")
    setpw.add_argument("mailbox", help="company or a user login")
    setpw.add_argument("--imap", action="store_true", help="the IMAP password instead of the SMTP one")
    setpw.add_argument("--stdin", action="store_true", help="read the password from standard input")
    setpw.add_argument("--json", action="store_true")
    setpw.set_defaults(func=_cmd_set_password)
