"""Template subcommands: ``templates``, ``validate``, ``render``, ``preview``, ``catalogue``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from atomcomm.cli import open_workspace, parse_where, print_frame, print_json


def _cmd_templates(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    infos = ws.templates.list(object_type=args.type, channel=args.channel)
    if args.json:
        print_json([{**dataclasses.asdict(i), "path": str(i.path) if i.path else None} for i in infos])
        return 0
    if not infos:
        print("no templates" + (f" for {args.type}" if args.type else ""))
    for i in infos:
        print(f"{i.name:48} {i.channel:5} {i.kind:13} {i.title}")
    for name, error in ws.templates.broken().items():
        print(f"{name:48} BROKEN: {error}", file=sys.stderr)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    problems = ws.templates.validate(args.name, object_type=args.type)
    if args.json:
        print_json([dataclasses.asdict(p) for p in problems])
    elif not problems:
        print(f"{args.name}: OK")
    else:
        for p in problems:
            print(p)
            if p.source_line is not None:
                print(f"    {p.source_line}")
                if p.column is not None:
                    print("    " + " " * p.column + "^")
    return 1 if any(p.severity == "error" for p in problems) else 0


def _cmd_render(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    r = ws.render(args.name, args.id, args.type, channel=args.channel)
    if args.json:
        data: dict[str, Any] = dataclasses.asdict(r)
        print_json(data)
        return 0
    if r.subject is not None:
        print(f"Subject: {r.subject}\n")
    print(r.html if args.html and r.html is not None else r.text)
    if r.sms is not None:
        unsupported = "".join(r.sms.unsupported)
        print(
            f"\n[{r.sms.encoding}, {r.sms.units} units, {r.sms.parts} part(s)"
            + (f", UCS-2 because of: {unsupported}" if unsupported else "")
            + "]",
            file=sys.stderr,
        )
    return 0


def _cmd_preview(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    compiled, object_type = ws.templates.resolve(args.name, args.type)
    frame = ws.erp.frame(object_type, where=parse_where(args.where), columns=["id"], limit=args.limit)
    columns = None
    if args.format == "table":
        columns = _table_columns(compiled.info.channel)
    df = ws.preview(args.name, frame, object_type, columns=columns, errors_first=args.errors_first)
    if args.format == "table" and "text" in df.columns:
        df["text"] = df["text"].map(lambda t: t if t is None or len(t) <= 90 else t[:89] + "…")
        df["text"] = df["text"].map(lambda t: t if t is None else t.replace("\n", " ⏎ "))
    print_frame(df, args.format)
    failed = int(df["error"].notna().sum())
    print(f"{len(df)} rows, {failed} with errors", file=sys.stderr)
    return 0


def _table_columns(channel: str) -> list[str]:
    if channel == "sms":
        return ["text", "length", "encoding", "units", "parts", "unsupported", "error"]
    return ["subject", "text", "length", "error"]


def _cmd_catalogue(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    df = ws.templates.catalogue(args.type)
    if args.json:
        print_frame(df.set_index("tag"), "json")
    else:
        print_frame(df.set_index("tag")[["label", "kind", "example"]], "table")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("templates", help="templates available per object type and channel")
    p.add_argument("--type", help="object type, e.g. invoice")
    p.add_argument("--channel", choices=["email", "sms"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_templates)

    p = sub.add_parser("validate", help="check a template without rendering (exit 1 on errors)")
    p.add_argument("name", help="template name, e.g. invoice/payment_reminder.email")
    p.add_argument("--type", help="object type, when the template serves several")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("render", help="render a template for one object")
    p.add_argument("name", help="template name or Liquid text (then --type and --channel)")
    p.add_argument("--id", type=int, required=True, help="object id")
    p.add_argument("--type", help="object type, when the template serves several or for text")
    p.add_argument("--channel", choices=["email", "sms"], help="for Liquid text")
    p.add_argument("--html", action="store_true", help="print the HTML body instead of the text")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser("preview", help="render a template for many objects as a table")
    p.add_argument("name")
    p.add_argument("--type", help="object type, when the template serves several")
    p.add_argument("--where", action="append", metavar="KEY=VALUE", help="equality filter; a|b = any of")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--errors-first", action="store_true", help="rows with errors first")
    p.set_defaults(func=_cmd_preview)

    p = sub.add_parser("catalogue", help="metatags of an object type with examples")
    p.add_argument("type")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_catalogue)


__all__ = ["register"]
