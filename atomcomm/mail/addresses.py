"""E-mail addresses: parsing, validation and header safety.

Addresses are checked for syntax only with email-validator (``check_deliverability=False``: no DNS).
Internationalised domains are kept in both forms: the ASCII (IDNA) form goes on the wire whenever it can,
so a plain SMTP server accepts ``jan@żółw.pl`` as ``jan@xn--w-uga1v8h.pl``. A non-ASCII local part
(``zażółć@example.pl``) has no ASCII form; such a message needs a server that offers SMTPUTF8.

Anything that ends up in a header is refused when it holds CR, LF or NUL, so data from the ERP can never
add headers of its own (header injection).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address
from typing import TypeAlias

from email_validator import EmailNotValidError, validate_email

from atomcomm.errors import AddressError, MessageError

_FORBIDDEN = ("\r", "\n", "\x00")


def check_header_value(value: str, field: str) -> str:
    """Refuse a value that would break out of its header line.

    Args:
        value: text that will be written into a header (name, address, subject, file name...).
        field: the name used in the error, e.g. "Subject" or "To[2] display name".

    Returns:
        The value unchanged.

    Raises:
        MessageError: the value holds CR, LF or NUL.
    """
    if any(ch in value for ch in _FORBIDDEN):
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise MessageError(
            f"{field}: line breaks are not allowed in an e-mail header (found in {shown!r}); "
            "remove CR/LF from the data or the template output"
        )
    return value


@dataclass(frozen=True)
class EmailAddress:
    """A validated e-mail address with an optional display name.

    Attributes:
        local_part: the part before ``@`` as written (may be non-ASCII).
        domain: the domain in its Unicode form, lower case (``żółw.pl``).
        ascii_domain: the domain in its ASCII (IDNA) form (``xn--w-uga1v8h.pl``).
        name: the display name, "" for none.
    """

    local_part: str
    domain: str
    ascii_domain: str
    name: str = ""

    @property
    def address(self) -> str:
        """The address in its readable form, ``local@unicode-domain``."""
        return f"{self.local_part}@{self.domain}"

    @property
    def needs_smtputf8(self) -> bool:
        """True when the local part is non-ASCII, so only an SMTPUTF8 server can carry it."""
        return not self.local_part.isascii()

    @property
    def envelope(self) -> str:
        """The form used in ``MAIL FROM`` / ``RCPT TO`` and headers: ASCII domain whenever possible."""
        if self.needs_smtputf8:
            return self.address
        return f"{self.local_part}@{self.ascii_domain}"

    def header(self) -> Address:
        """The ``email.headerregistry.Address`` written into From/To/Cc/Reply-To."""
        domain = self.domain if self.needs_smtputf8 else self.ascii_domain
        return Address(display_name=self.name, username=self.local_part, domain=domain)

    def with_name(self, name: str) -> EmailAddress:
        """The same address with another display name."""
        return EmailAddress(self.local_part, self.domain, self.ascii_domain, name)

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


AddressLike: TypeAlias = str | tuple[str, str] | EmailAddress
"""An address as callers write it: ``"a@x.pl"``, ``"Jan Kowalski <a@x.pl>"``, ``("Jan Kowalski", "a@x.pl")``."""


def _split(value: str) -> tuple[str, str]:
    text = value.strip()
    if text.endswith(">") and "<" in text:
        cut = text.rindex("<")
        name = text[:cut].strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return name, text[cut + 1 : -1].strip()
    return "", text


def parse_address(value: AddressLike, *, field: str = "address") -> EmailAddress:
    """Validate one address (syntax only) and keep its display name.

    Args:
        value: ``"a@x.pl"``, ``"Name <a@x.pl>"``, a ``(name, address)`` pair or an :class:`EmailAddress`.
        field: where the address comes from, for error messages (``"To"``, ``"Reply-To"``...).

    Raises:
        MessageError: the name or address holds CR/LF (header injection).
        AddressError: the address is not a valid e-mail address.
    """
    if isinstance(value, EmailAddress):
        check_header_value(value.name, f"{field} display name")
        return value
    if isinstance(value, tuple):
        if len(value) != 2 or not all(isinstance(v, str) for v in value):
            raise AddressError(f"{field}: expected a (name, address) pair of strings, got {value!r}")
        name, addr = value[0].strip(), value[1].strip()
    elif isinstance(value, str):
        name, addr = _split(check_header_value(value, field))
    else:
        raise AddressError(f"{field}: expected an address string, got {type(value).__name__}")
    check_header_value(name, f"{field} display name")
    check_header_value(addr, f"{field} address")
    if not addr:
        raise AddressError(f"{field}: the address is empty")
    try:
        info = validate_email(addr, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as err:
        raise AddressError(f"{field}: {addr!r} is not a valid e-mail address: {err}") from err
    return EmailAddress(
        local_part=info.local_part,
        domain=info.domain,
        ascii_domain=info.ascii_domain,
        name=name,
    )


def parse_addresses(
    values: AddressLike | Iterable[AddressLike] | None, *, field: str = "address"
) -> list[EmailAddress]:
    """Validate a list of addresses (a single string counts as one address).

    Errors name the position, e.g. ``Cc[2]``.
    """
    if values is None:
        return []
    if isinstance(values, str | tuple | EmailAddress):
        return [parse_address(values, field=field)]
    items = list(values)
    if len(items) == 1:
        return [parse_address(items[0], field=field)]
    return [parse_address(v, field=f"{field}[{i + 1}]") for i, v in enumerate(items)]
