"""SMSAPI's error codes and status words, and what they mean for atomcomm."""

from __future__ import annotations

from atomcomm.sms.message import Status

# What each sms.do error code means for us: the status of the messages, and whether a retry with the same
# idx may succeed. Codes in CONFIG_ERRORS stop the whole batch.
CONFIG_ERRORS: dict[int, str] = {
    7: "short links are disabled on the account",
    14: "the sender name is not registered and active in the SMSAPI panel: register it or pick another sender",
    70: "notify_url is not a valid URL: fix [sms] notify_url",
    72: "notify_url works only with one recipient per request",
    98: "the SMSAPI account is restricted: contact SMSAPI",
    101: "the token was refused: check [sms] token (an OAuth token from the SMSAPI panel)",
    102: "the login or password was refused: use an OAuth token in [sms] token",
    103: "not enough credits on the SMSAPI account: top it up",
    104: "no such SMSAPI template",
    105: "the account's IP filter refuses this machine: allow its address in the SMSAPI panel",
    110: "the account may not do this: check its permissions in the SMSAPI panel",
    401: "the token lacks the SMS permission: generate one with 'sms' scope",
    997: "SMSAPI requires HTTPS: use https:// in [sms] base_url",
}
RETRYABLE_ERRORS = frozenset({8, 52, 200, 201, 202, 203, 999})
INVALID_ERRORS = frozenset({13, 40, 41})
DUPLICATE_ERROR = 53

# Delivery-report status codes: (status, final?)
DLR_STATUS: dict[str, tuple[Status, bool]] = {
    "401": ("failed", True),  # NOT_FOUND
    "402": ("failed", True),  # EXPIRED
    "403": ("sent", False),  # SENT
    "404": ("delivered", True),  # DELIVERED
    "405": ("failed", True),  # UNDELIVERED
    "406": ("failed", True),  # FAILED
    "407": ("failed", True),  # REJECTED
    "408": ("sent", False),  # UNKNOWN: handed over, no news yet
    "409": ("queued", False),  # QUEUE
    "410": ("delivered", True),  # ACCEPTED by the operator
    "411": ("sent", False),  # RENEWAL
    "412": ("failed", True),  # STOP
}
# Status words of sms.do's "list" entries and of the REST report enum.
LIST_STATUS: dict[str, Status] = {
    "QUEUE": "queued",
    "ACCEPTED": "delivered",
    "SENT": "sent",
    "DELIVERED": "delivered",
    "UNDELIVERED": "failed",
    "FAILED": "failed",
    "REJECTED": "failed",
    "EXPIRED": "failed",
    "STOP": "failed",
    "STOPPED": "failed",
}
