"""SMS: segment counting, transliteration, messages, senders and gateways (SMSAPI, Twilio, fakes).

>>> from atomcomm.sms import segments
>>> segments("Zażółć")
SegmentInfo(encoding='UCS-2', units=6, parts=1, unsupported=['ż', 'ó', 'ł', 'ć'])
"""

from atomcomm.sms.fake import FakeGateway, FakeSent
from atomcomm.sms.fake_server import FakeSmsapiServer, ReceivedSms
from atomcomm.sms.gateway import SmsGateway
from atomcomm.sms.message import (
    DeliveryReport,
    InboundSms,
    Sender,
    Sms,
    SmsResult,
    Status,
)
from atomcomm.sms.phone import PhoneCheck, check_phone, normalize_phone
from atomcomm.sms.segments import SegmentInfo, clean_text, segments, split_parts
from atomcomm.sms.senders import SenderStore
from atomcomm.sms.service import SmsService, build_gateway
from atomcomm.sms.smsapi import SmsapiGateway
from atomcomm.sms.transliterate import apply_transliteration, transliterate, transliterate_auto
from atomcomm.sms.twilio import TwilioGateway, verify_signature
from atomcomm.status import ACCEPTED, FINAL, STATUSES

__all__ = [
    "ACCEPTED",
    "FINAL",
    "STATUSES",
    "DeliveryReport",
    "FakeGateway",
    "FakeSent",
    "FakeSmsapiServer",
    "InboundSms",
    "PhoneCheck",
    "ReceivedSms",
    "SegmentInfo",
    "Sender",
    "SenderStore",
    "Sms",
    "SmsGateway",
    "SmsResult",
    "SmsService",
    "SmsapiGateway",
    "Status",
    "TwilioGateway",
    "apply_transliteration",
    "build_gateway",
    "check_phone",
    "clean_text",
    "normalize_phone",
    "segments",
    "split_parts",
    "transliterate",
    "transliterate_auto",
    "verify_signature",
]
