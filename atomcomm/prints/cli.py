"""``atomcomm print TYPE ID [--name NAME] -o FILE`` and ``atomcomm prints [TYPE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from atomcomm.errors import AtomcommError


def _cmd_print(args: argparse.Namespace) -> int:
    from atomcomm.cli import open_workspace, print_json

    ws = open_workspace(args)
    p = ws.printing.get(args.type, args.id, args.name)
    pdf = p.render()
    if args.output == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.output)
    if target.is_dir():
        target = target / p.filename
    try:
        target.write_bytes(pdf)
    except OSError as err:
        raise AtomcommError(f"cannot write {target}: {err.strerror or err}") from err
    if args.json:
        print_json({"name": p.name, "filename": p.filename, "file": str(target), "bytes": len(pdf)})
    else:
        print(f"{target} ({p.title}, {len(pdf):,} B)".replace(",", " "), file=sys.stderr)
    return 0


def _cmd_prints(args: argparse.Namespace) -> int:
    from atomcomm.cli import open_workspace, print_json

    ws = open_workspace(args)
    service = ws.printing
    rows = [
        {
            "object_type": t.object_type,
            "name": t.name,
            "title": t.title,
            "filename": t.filename,
            "page": f"{t.page_size} {t.orientation}",
            "path": str(t.path),
        }
        for t in service.templates(args.type)
    ]
    problems = {str(p): why for p, why in service.registry.problems.items()}
    if args.json:
        print_json({"prints": rows, "problems": problems})
        return 0
    for row in rows:
        print(
            f"{row['object_type']}/{row['name']:<20} {row['title']:<28} {row['page']:<14} {row['filename']}"
        )
    for path, why in problems.items():
        print(f"skipped {path}: {why}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("print", help="render a print of an object (PDF)")
    p.add_argument("type", help="object type, e.g. invoice")
    p.add_argument("id", type=int, help="object id")
    p.add_argument("--name", help="print name (needed when the type has several prints)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output file, a folder (file named by the print) or - for stdout",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_print)

    ls = sub.add_parser("prints", help="print templates per object type")
    ls.add_argument("type", nargs="?")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_prints)
