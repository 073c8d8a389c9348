"""The ``atomcomm`` command: the services of a workspace from a shell.

Each package contributes its subcommands through a ``register(subparsers)`` function listed in
``COMMAND_MODULES``; a subcommand stores its handler as ``func(args) -> int``.
Every command that a machine would read takes ``--json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from atomcomm.errors import AtomcommError

COMMAND_MODULES = [
    "atomcomm.cli",
    "atomcomm.mail.cli",
    "atomcomm.templates.cli",
    "atomcomm.sms.cli",
    "atomcomm.prints.cli",
    "atomcomm.compose.cli",
]


def json_default(value: Any) -> Any:
    """JSON for Decimal, dates and other values the CLI prints."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(value)
    return str(value)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))


def print_frame(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print_json(
            json.loads(
                df.reset_index().to_json(
                    orient="records", date_format="iso", default_handler=str, force_ascii=False
                )
            )
        )
    elif fmt == "csv":
        df.to_csv(sys.stdout)
    else:
        with pd.option_context("display.max_rows", 200, "display.max_columns", 30, "display.width", 200):
            print(df.to_string(max_rows=200))


def parse_where(items: Sequence[str] | None) -> dict[str, Any] | None:
    """``k=v`` pairs into an equality filter (ints become ints, ``a|b`` means any of)."""
    if not items:
        return None
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise AtomcommError(f"--where takes key=value, got {item!r}")

        def conv(v: str) -> Any:
            return int(v) if v.lstrip("-").isdigit() else v

        out[key.strip()] = [conv(v) for v in raw.split("|")] if "|" in raw else conv(raw)
    return out


def open_workspace(args: argparse.Namespace) -> Any:
    from atomcomm.workspace import Workspace

    return Workspace.open(args.workspace, user=getattr(args, "as_user", None))


def _cmd_demo_init(args: argparse.Namespace) -> int:
    from atomcomm.config import Config
    from atomcomm.db import make_engine, redact, upgrade
    from atomcomm.erp.demo import create_demo

    url = args.database or Config.load(args.workspace).database_url
    engine = make_engine(url)
    started = time.perf_counter()
    counts = create_demo(
        engine,
        scale=args.scale,
        seed=args.seed,
        progress=None if args.json else lambda msg: print(msg, file=sys.stderr),
    )
    upgrade(engine)
    took = time.perf_counter() - started
    if args.json:
        print_json({"database": redact(url), "counts": counts, "seconds": round(took, 2)})
    else:
        print(f"demo data in {redact(url)} ({took:.1f} s):")
        for name, n in counts.items():
            print(f"  {name:18} {n:>9}")
    return 0


def _cmd_types(args: argparse.Namespace) -> int:
    from atomcomm.erp.service import ErpService

    info = ErpService.__new__(ErpService).describe(args.type)
    if args.json:
        print_json(info)
        return 0
    for t in info:
        print(f"{t['type']} ({t['label']}); in templates: {t['root']}")
        print("  fields: " + ", ".join(f["name"] for f in t["fields"]))
        if t["one"]:
            print("  related: " + ", ".join(f"{k} ({v})" for k, v in t["one"].items()))
        if t["many"]:
            print("  lists: " + ", ".join(f"{k} ({v})" for k, v in t["many"].items()))
        print("  recipient roles: " + ", ".join(t["roles"]))
        if t["prints"]:
            print("  prints: " + ", ".join(t["prints"]))
    return 0


def _cmd_objects(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    df = ws.erp.frame(args.type, where=parse_where(args.where), columns=columns, limit=args.limit)
    print_frame(df, "json" if args.json else args.format)
    return 0


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="demo data")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    init = demo_sub.add_parser("init", help="(re)create the ERP demo database")
    init.add_argument(
        "--scale", type=float, default=1.0, help="multiply invoices, contracts, orders, documents"
    )
    init.add_argument("--seed", type=int, default=42)
    init.add_argument("--database", help="SQLAlchemy URL (default: the workspace's database)")
    init.add_argument("--json", action="store_true")
    init.set_defaults(func=_cmd_demo_init)

    types = sub.add_parser("types", help="object types with their fields and related names")
    types.add_argument("type", nargs="?")
    types.add_argument("--json", action="store_true")
    types.set_defaults(func=_cmd_types)

    objects = sub.add_parser("objects", help="objects of a type as a table")
    objects.add_argument("type")
    objects.add_argument(
        "--where", action="append", metavar="KEY=VALUE", help="equality filter; a|b = any of"
    )
    objects.add_argument("--columns", help="comma-separated column names")
    objects.add_argument("--limit", type=int, default=50)
    objects.add_argument("--format", choices=["table", "csv", "json"], default="table")
    objects.add_argument("--json", action="store_true")
    objects.set_defaults(func=_cmd_objects)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atomcomm", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("-C", "--workspace", default=".", help="workspace folder (default: current)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AtomcommError as err:
        print(f"atomcomm: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
