"""``atomcomm send`` (one message about one object, through the outbox) and ``atomcomm outbox``."""

from __future__ import annotations

import argparse
from typing import Any

from atomcomm.cli import open_workspace, print_frame, print_json


def _cmd_send(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    d = ws.draft(args.template, args.type, args.id, args.channel, as_user=args.as_user, sender=args.sender)
    if args.to:
        d.set_recipients(args.to)
    if args.cc:
        d.cc = list(args.cc)
    if args.bcc:
        d.bcc = list(args.bcc)
    for name in args.no_print or []:
        found = [a for a in d.attachments if a.source == "print" and (a.ref == name or a.filename == name)]
        if not found:
            prints = [a.ref for a in d.attachments if a.source == "print"]
            raise SystemExit(
                f"atomcomm: error: no print {name!r} proposed; prints: {', '.join(prints) or 'none'}"
            )
        for a in found:
            a.included = False
    for path in args.attach or []:
        d.add_attachment(path)
    preview = d.preview()
    if args.dry_run:
        if args.json:
            print_json({"dry_run": True, **preview.__dict__, "sms": preview.sms})
        else:
            print(preview)
            print("\n(dry run: nothing was sent)")
        return 1 if preview.warnings else 0
    results = d.send(resend=args.resend)
    if args.json:
        print_json([r.__dict__ for r in results])
    else:
        for r in results:
            line = f"{r.state:8} {r.recipient}"
            if r.provider_id:
                line += f"  {r.provider_id}"
            if r.error:
                line += f"  ({r.error})"
            print(line)
    return 0 if all(r.ok for r in results) else 1


def _cmd_outbox(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    if args.outbox_command == "dispatch":
        results = ws.dispatch(limit=args.limit)
        if args.json:
            print_json([r.__dict__ for r in results])
        else:
            print(f"{sum(r.ok for r in results)} sent, {sum(not r.ok for r in results)} not sent")
        return 0
    if args.outbox_command == "recover":
        from atomcomm.outbox.dispatch import Dispatcher

        moved = Dispatcher(ws).recover()
        print_json(moved) if args.json else print(f"re-queued {moved['queued']}, unknown {moved['unknown']}")
        return 0
    states = args.state.split(",") if args.state else None
    columns = ["key", "channel", "state", "status", "object_type", "object_id", "recipient", "subject",
               "attempts", "error", "updated_at"]  # fmt: skip
    df = ws.outbox.rows(state=states, columns=columns, limit=args.limit)
    if args.json or args.format != "table":
        print_frame(df, "json" if args.json else args.format)
    elif df.empty:
        print("the outbox is empty" if not states else f"no rows in state {args.state}")
    else:
        print_frame(df, "table")
        print({k: v for k, v in ws.outbox.counts().items() if v})
    return 0


def register(sub: Any) -> None:
    send = sub.add_parser("send", help="render and send one message about an object (through the outbox)")
    send.add_argument("template", help="template name (invoice/payment_reminder.email) or Liquid text")
    send.add_argument("--type", required=True, help="object type")
    send.add_argument("--id", required=True, type=int, help="object id")
    send.add_argument("--channel", choices=["email", "sms"], help="needed for free text")
    send.add_argument("--to", action="append", help="recipient (repeatable); default: the template's roles")
    send.add_argument("--cc", action="append")
    send.add_argument("--bcc", action="append")
    send.add_argument("--as", dest="as_user", help="ERP login of the sender (own mailbox / SMS sender)")
    send.add_argument("--sender", help="mailbox name or SMS sender (name:ATOM | random | two_way)")
    send.add_argument("--attach", action="append", metavar="FILE", help="add a file (repeatable)")
    send.add_argument("--no-print", action="append", metavar="NAME", help="leave out a proposed print")
    send.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing")
    send.add_argument("--resend", action="store_true", help="send again a message that was already sent")
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=_cmd_send)

    outbox = sub.add_parser("outbox", help="the outbox: rows by state; dispatch what is due")
    outbox.add_argument("outbox_command", nargs="?", choices=["list", "dispatch", "recover"], default="list")
    outbox.add_argument("--state", help="comma-separated states (queued,sent,failed,...)")
    outbox.add_argument("--limit", type=int)
    outbox.add_argument("--format", choices=["table", "csv", "json"], default="table")
    outbox.add_argument("--json", action="store_true")
    outbox.set_defaults(func=_cmd_outbox)
