"""``atomcomm sms-info`` and ``atomcomm gateway ...``: SMS from a shell."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from atomcomm.errors import ConfigError, CredentialError

DEFAULT_TOKEN_REF = "env:ATOMCOMM_SMSAPI_TOKEN"


def _cmd_sms_info(args: argparse.Namespace) -> int:
    from atomcomm.cli import print_json
    from atomcomm.sms.segments import segments
    from atomcomm.sms.transliterate import transliterate

    text = sys.stdin.read() if args.text == "-" else args.text
    info = segments(text)
    plain = transliterate(text)
    plain_info = segments(plain)
    if args.json:
        print_json(
            {
                "encoding": info.encoding,
                "units": info.units,
                "parts": info.parts,
                "unsupported": info.unsupported,
                "transliterated": {"text": plain, "encoding": plain_info.encoding, "parts": plain_info.parts},
            }
        )
        return 0
    print(f"{info.encoding}, {info.units} units, {info.parts} part{'s' if info.parts != 1 else ''}")
    if info.unsupported:
        print("forced UCS-2 by: " + " ".join(repr(c) for c in info.unsupported))
        if plain_info.parts < info.parts:
            print(f"transliterated: {plain_info.encoding}, {plain_info.parts} part(s): {plain}")
    return 0


def _cmd_fake_smsapi(args: argparse.Namespace) -> int:
    from atomcomm.config import resolve_secret
    from atomcomm.sms.fake_server import FakeSmsapiServer

    generated = False
    try:
        token = resolve_secret(args.token, what="--token")
    except CredentialError:
        if args.token != DEFAULT_TOKEN_REF:
            raise
        token, generated = None, True
    server = FakeSmsapiServer(
        host=args.host,
        port=args.port,
        token=token,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        seed=args.seed,
        callback_url=args.callback_url,
        senders=set(args.sender) if args.sender else None,
        log_file=args.log,
    )
    try:
        server.start()
    except OSError as err:
        raise ConfigError(
            f"fake SMSAPI cannot listen on {args.host}:{args.port}: {err}; try another --port"
        ) from err
    print(f"fake SMSAPI listening on {server.url}/sms.do (Ctrl-C stops it)", flush=True)
    if generated:
        # a throw-away token of a loopback fake, shown so a second shell can use it
        print(f"no ATOMCOMM_SMSAPI_TOKEN set; this run accepts: export ATOMCOMM_SMSAPI_TOKEN={server.token}")
    print(
        f'use it: [sms] gateway = "smsapi", base_url = "{server.url}", token = "{DEFAULT_TOKEN_REF}"',
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print(f"received {len(server.received)} message(s) in {len(server.requests)} request(s)")
    return 0


def _cmd_gateway_test(args: argparse.Namespace) -> int:
    from atomcomm.cli import open_workspace, print_json
    from atomcomm.sms.message import Sms

    ws = open_workspace(args)
    try:
        sender = ws.sms.sender(args.sender)
        key = "atomcomm-test-" + dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        sms = Sms(to=args.to, text=args.text, sender=sender, key=key, test=True)
        [result] = ws.sms.send([sms])
    finally:
        ws.close()
    if args.json:
        print_json(result)
    else:
        verdict = "accepted" if result.ok else "refused"
        print(
            f"{result.provider}: validation call {verdict} (sender {sender}, to {result.to}): {result.status}"
        )
        if result.error:
            print(f"  {result.error_code}: {result.error}")
    return 0 if result.ok else 1


def _cmd_senders(args: argparse.Namespace) -> int:
    from atomcomm.cli import open_workspace, print_json

    ws = open_workspace(args)
    try:
        store = ws.sms.senders
        company = store.company()
        configured, stored = store.configured(), store.stored()
    finally:
        ws.close()
    rows: list[dict[str, Any]] = [{"user": None, "sender": company.spec, "source": "[sms] sender"}]
    for login, sender in sorted({**configured, **stored}.items()):
        source = "database" if login in stored else f"[sms.users.{login}]"
        rows.append({"user": login, "sender": sender.spec, "source": source})
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['user'] or '(company)':20} {row['sender']:24} {row['source']}")
    return 0


def _cmd_set_sender(args: argparse.Namespace) -> int:
    from atomcomm.cli import open_workspace

    if bool(args.clear) == bool(args.sender):
        raise ConfigError("give a sender (name:X or number:+48...) or --clear, not both and not neither")
    ws = open_workspace(args)
    try:
        stored = ws.sms.set_sender(args.login, None if args.clear else args.sender)
    finally:
        ws.close()
    print(f"user {args.login!r}: " + (f"sender {stored}" if stored else "own sender removed"))
    return 0


def register(sub: Any) -> None:
    info = sub.add_parser("sms-info", help="encoding, length and parts of an SMS text")
    info.add_argument("text", help="the text ('-' reads standard input)")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=_cmd_sms_info)

    gateway = sub.add_parser("gateway", help="SMS gateways: fake SMSAPI server, test call, senders")
    gsub = gateway.add_subparsers(dest="gateway_command", required=True)

    fake = gsub.add_parser("fake-smsapi", help="run a fake SMSAPI-compatible server on 127.0.0.1")
    fake.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    fake.add_argument("--port", type=int, default=8090)
    fake.add_argument("--latency-ms", type=float, default=0, help="delay before every answer")
    fake.add_argument("--fail-rate", type=float, default=0.0, help="fraction answered with error 201")
    fake.add_argument("--seed", type=int, default=None, help="seed for --fail-rate")
    fake.add_argument("--callback-url", help="post delivery reports here (loopback only)")
    fake.add_argument("--log", help="append a JSON line per request to this file")
    fake.add_argument("--sender", action="append", help="a registered sender name (repeatable; default any)")
    fake.add_argument(
        "--token", default=DEFAULT_TOKEN_REF, help=f"token reference (default {DEFAULT_TOKEN_REF})"
    )
    fake.set_defaults(func=_cmd_fake_smsapi)

    test = gsub.add_parser(
        "test", help="a free validation call (SMSAPI test=1) through the configured gateway"
    )
    test.add_argument("--to", required=True, help="recipient, e.g. +48500100200")
    test.add_argument("--text", default="atomcomm: test", help="message text")
    test.add_argument("--sender", help="name:X | number:+48... | random | two_way | default")
    test.add_argument("--as-user", dest="as_user", help="ERP login whose sender applies")
    test.add_argument("--json", action="store_true")
    test.set_defaults(func=_cmd_gateway_test)

    senders = gsub.add_parser("senders", help="the company's and users' SMS senders")
    senders.add_argument("--json", action="store_true")
    senders.set_defaults(func=_cmd_senders)

    setter = gsub.add_parser("set-sender", help="store a user's own SMS sender in the database")
    setter.add_argument("login", help="ERP login")
    setter.add_argument("sender", nargs="?", help="name:X or number:+48...")
    setter.add_argument("--clear", action="store_true", help="remove the user's stored sender")
    setter.set_defaults(func=_cmd_set_sender)
