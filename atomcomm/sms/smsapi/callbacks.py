"""SMSAPI callbacks: delivery reports (DLR) and inbound two-way SMS (``sms_mo``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from atomcomm.errors import MessageError
from atomcomm.sms.message import CallbackData, DeliveryReport, InboundSms, e164_or_raw, first, form_fields
from atomcomm.sms.smsapi.codes import DLR_STATUS


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _split(fields: Mapping[str, list[str]], name: str) -> list[str]:
    return [part.strip() for value in fields.get(name, []) for part in value.split(",")]


def _timestamp(value: str | None) -> dt.datetime | None:
    number = _int(value)
    return dt.datetime.fromtimestamp(number, tz=dt.UTC) if number else None


def parse_smsapi_reports(data: CallbackData) -> list[DeliveryReport]:
    """Delivery reports from an SMSAPI DLR callback (see :meth:`SmsapiGateway.parse_delivery_reports`)."""
    fields = form_fields(data)
    ids, codes, idxs, tos = (_split(fields, n) for n in ("MsgId", "status", "idx", "to"))
    dates = _split(fields, "donedate")
    reports = []
    for i, message_id in enumerate(ids):
        code = codes[i] if i < len(codes) else ""
        status, final = DLR_STATUS.get(code, ("unknown", False))
        raw = {"MsgId": message_id, "status": code}
        for name, values in (("idx", idxs), ("to", tos), ("donedate", dates)):
            if i < len(values):
                raw[name] = values[i]
        reports.append(
            DeliveryReport(
                provider="smsapi",
                message_id=message_id or None,
                status=status,
                provider_status=code,
                is_final=final,
                to=e164_or_raw(raw.get("to")) or None,
                key=raw.get("idx") or None,
                error_code=code if status == "failed" else None,
                time=_timestamp(raw.get("donedate")),
                raw=raw,
            )
        )
    return reports


def parse_smsapi_inbound(data: CallbackData) -> InboundSms:
    """An inbound SMS from an SMSAPI ``sms_mo`` callback."""
    fields = form_fields(data)
    sender = first(fields, "sms_from")
    if not sender:
        raise MessageError("not an SMSAPI inbound callback: the field sms_from is missing")
    msg_id = first(fields, "MsgId")
    return InboundSms(
        provider="smsapi",
        message_id=msg_id,
        from_number=e164_or_raw(sender) or sender,
        to_number=e164_or_raw(first(fields, "sms_to")),
        text=first(fields, "sms_text") or "",
        received_at=_timestamp(first(fields, "sms_date")),
        in_reply_to=msg_id,
        raw={k: v[0] for k, v in fields.items() if v},
    )
