"""Errors raised by atomcomm.

Every error derives from :class:`AtomcommError`. Configuration and misuse errors are kept apart from
operational send failures: a batch loop may record a failure of one recipient and go on, but it never
swallows a :class:`ConfigError` (a wrong password fails every message the same way)::

    AtomcommError
    ├── ConfigError                 bad or missing configuration, unresolvable secret reference
    │   ├── CredentialError         env:/keyring: reference that cannot be resolved
    │   └── AuthorizationError      a user asked for a mailbox or SMS sender that is not theirs
    ├── ErpError                    ERP data access
    │   ├── UnknownObjectTypeError
    │   ├── UnknownFieldError       unknown column, filter key or related name
    │   └── ObjectNotFoundError
    ├── TemplateError               template lookup, parsing, validation and rendering
    │   ├── TemplateNotFoundError
    │   ├── TemplateSyntaxError
    │   ├── TemplateRenderError
    │   └── TemplateTypeError       template does not serve the requested object type / channel
    ├── PrintError                  a PDF print could not be produced
    ├── AttachmentError             missing / empty / oversized / out-of-tree attachment
    ├── AddressError                invalid e-mail address or phone number
    ├── MessageError                message cannot be built (header injection, too many SMS parts, ...)
    ├── TransportError              connection / authentication failure of a mail transport or SMS gateway
    │   ├── GatewayError            SMS gateway answered with a configuration-level error
    │   └── CallbackSignatureError  a delivery report / inbound SMS callback with a bad signature
    └── OutboxError                 outbox state problems
        └── DuplicateSendError      the same message was already sent
"""

from __future__ import annotations

from typing import Any


class AtomcommError(Exception):
    """Root of every error atomcomm raises on purpose."""


class ConfigError(AtomcommError):
    """The configuration is wrong or incomplete; fix atomcomm.toml or the ATOMCOMM_* variables."""


class CredentialError(ConfigError):
    """A secret reference (``env:NAME`` / ``keyring:SERVICE/USER``) cannot be resolved."""


class AuthorizationError(ConfigError):
    """The acting user may not use the requested mailbox or SMS sender."""


class ErpError(AtomcommError):
    """ERP data access failed because of bad input."""


class UnknownObjectTypeError(ErpError):
    """An object type that the ERP type registry does not know."""


class UnknownFieldError(ErpError):
    """A column, filter key or related name that the object type does not have."""


class ObjectNotFoundError(ErpError):
    """No object with the given id exists."""


class TemplateError(AtomcommError):
    """A template could not be found, parsed, validated or rendered.

    Attributes:
        template: name of the template (or partial) at fault, when known.
        line / column: 1-based line and 0-based column in that template's file, when known.
        source_line: the offending line of the template source.
        reason: the message without the position (for a studio that shows the position itself).
    """

    def __init__(
        self,
        message: str,
        *,
        template: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.template = template
        self.line = line
        self.column = column
        self.source_line = source_line
        self.reason = reason if reason is not None else message


class TemplateNotFoundError(TemplateError):
    """No template with the given name."""


class TemplateSyntaxError(TemplateError):
    """The template source is not valid Liquid or has a malformed front matter."""


class TemplateRenderError(TemplateError):
    """Rendering failed for one object (unknown field, bad filter argument, limit exceeded)."""


class TemplateTypeError(TemplateError):
    """The template does not serve the requested object type or channel."""


class PrintError(AtomcommError):
    """A print (PDF rendering of an object) could not be produced."""


class AttachmentError(AtomcommError):
    """An attachment is missing, empty, too large or outside the allowed folder."""


class AddressError(AtomcommError):
    """An e-mail address or phone number is invalid."""


class MessageError(AtomcommError):
    """A message cannot be built as asked."""


class TransportError(AtomcommError):
    """A mail transport or SMS gateway could not be reached or refused the credentials."""


class GatewayError(TransportError):
    """An SMS gateway answered with an error that affects every message (auth, sender, account).

    Attributes:
        code: the provider's error code, when it gave one.
        results: results of the messages of the same batch that were settled before the batch stopped
            (the rest were not sent).
    """

    def __init__(self, message: str, *, code: str | None = None, results: list[Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.results: list[Any] = list(results or [])


class CallbackSignatureError(TransportError):
    """A gateway callback (delivery report, inbound SMS) failed signature verification: answer 403."""


class OutboxError(AtomcommError):
    """The outbox refused an operation."""


class DuplicateSendError(OutboxError):
    """The same message was already sent; pass an explicit flag to send it again."""


__all__ = [
    "AddressError",
    "AtomcommError",
    "AttachmentError",
    "AuthorizationError",
    "CallbackSignatureError",
    "ConfigError",
    "CredentialError",
    "DuplicateSendError",
    "ErpError",
    "GatewayError",
    "MessageError",
    "ObjectNotFoundError",
    "OutboxError",
    "PrintError",
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "TemplateTypeError",
    "TransportError",
    "UnknownFieldError",
    "UnknownObjectTypeError",
]
