"""A fake SMSAPI-compatible HTTP server on 127.0.0.1 (see :class:`FakeSmsapiServer`)."""

from atomcomm.sms.fake_server.server import FakeSmsapiServer, ReceivedSms, is_loopback_url

__all__ = ["FakeSmsapiServer", "ReceivedSms", "is_loopback_url"]
