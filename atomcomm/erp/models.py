"""The ERP database: a SQLAlchemy 2 typed ORM standing in for Atom's own schema.

Money is ``Numeric`` (``Decimal`` in Python) end to end, dates are ``Date``. Invoice totals are stored
on the invoice and computed from its lines by :func:`invoice_totals` whenever lines change, as an ERP
does; payments are summed at query time, so the amount due is always current.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 2)
CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Round half up to grosze, the way Polish invoices round."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class ErpBase(DeclarativeBase):
    """Declarative base of the ERP schema (kept apart from atomcomm's own tables)."""


class Company(ErpBase):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(10), index=True)
    regon: Mapped[str | None] = mapped_column(String(14))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="PL")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    bank_account: Mapped[str | None] = mapped_column(String(34))
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")


class Contact(ErpBase):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[str] = mapped_column(String(200), default="")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_email_at: Mapped[dt.date | None] = mapped_column(Date)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sms_at: Mapped[dt.date | None] = mapped_column(Date)

    company: Mapped[Company | None] = relationship(back_populates="contacts")


class Employee(ErpBase):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(100))


class Invoice(ErpBase):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    issue_date: Mapped[dt.date] = mapped_column(Date, index=True)
    sale_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    state: Mapped[str] = mapped_column(String(10), default="issued")  # draft | issued
    seller_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    buyer_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    payment_method: Mapped[str] = mapped_column(String(20), default="przelew")
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    notes: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position")
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.paid_on")


class InvoiceLine(ErpBase):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[int] = mapped_column(Integer)  # percent; 23, 8, 5, 0


class Payment(ErpBase):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(20), default="przelew")


class Contract(ErpBase):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    counterparty_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    subject: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date, index=True)
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


class TransportOrder(ErpBase):
    __tablename__ = "transport_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="freight")  # freight | business_trip
    shipper_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    carrier_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    consignee_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    pickup_address: Mapped[str] = mapped_column(String(300))
    pickup_date: Mapped[dt.date] = mapped_column(Date)
    delivery_address: Mapped[str] = mapped_column(String(300))
    delivery_date: Mapped[dt.date] = mapped_column(Date)
    cargo: Mapped[str] = mapped_column(String(300))
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 1))
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


class Resource(ErpBase):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # vehicle | room | equipment
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


class Document(ErpBase):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


def invoice_totals(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal, Decimal]:
    """Net, VAT and gross totals of invoice lines, VAT computed per rate on the summed net amounts.

    Args:
        lines: dicts with ``quantity``, ``unit_price`` (Decimal) and ``vat_rate`` (int percent).
    """
    net_by_rate: dict[int, Decimal] = {}
    for line in lines:
        net = round_money(Decimal(line["quantity"]) * Decimal(line["unit_price"]))
        net_by_rate[int(line["vat_rate"])] = net_by_rate.get(int(line["vat_rate"]), Decimal("0")) + net
    net_total = sum(net_by_rate.values(), Decimal("0.00"))
    vat_total = sum(
        (round_money(n * Decimal(rate) / Decimal(100)) for rate, n in net_by_rate.items()), Decimal("0.00")
    )
    return round_money(net_total), round_money(vat_total), round_money(net_total + vat_total)
