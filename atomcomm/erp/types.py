"""The object-type registry: what each ERP object type is made of.

For every type it says which fields it has (type and a Polish and English label), which related objects
it reaches under stable names (the names Liquid templates use: ``invoice.buyer.name`` is written
``buyer.name``), from which roles recipients are suggested, and which prints exist. Frames, contexts,
template validation, the metatag catalogue and the UI read this registry; nothing else lists fields.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from atomcomm.erp import models as m
from atomcomm.errors import UnknownObjectTypeError

FieldKind = Literal["int", "str", "text", "date", "money", "decimal", "bool", "list"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of an object type.

    Attributes:
        name: column or computed name, as used in frames and templates.
        kind: value kind; money is Decimal, date is datetime.date.
        label_pl / label_en: human labels.
        computed: True when derived (not a column of the table).
    """

    name: str
    kind: FieldKind
    label_pl: str
    label_en: str
    computed: bool = False


@dataclass(frozen=True)
class OneRelation:
    """A related object reached through a foreign key column of the root table."""

    name: str
    target: str  # object type name
    fk: str  # column of the root table
    label_pl: str
    label_en: str


@dataclass(frozen=True)
class ManyRelation:
    """A list of related rows: ``target.target_fk == root.source`` (e.g. lines of an invoice)."""

    name: str
    target: str  # object type name (may be an unlisted row type such as invoice_line)
    target_fk: str  # column of the target table
    source: str  # column of the root table it matches (usually "id")
    label_pl: str
    label_en: str
    order_by: str = "id"


@dataclass(frozen=True)
class RoleSpec:
    """A role from which recipients are suggested.

    Attributes:
        name: role name as used in templates' ``recipients:`` front matter (e.g. ``buyer_contact``).
        relation: the relation it is read from ("" for the object itself); one- or many-relation.
        label_pl / label_en: human labels.
        tag: for many-relations of contacts, only contacts carrying this role tag.
    """

    name: str
    relation: str
    label_pl: str
    label_en: str
    tag: str | None = None


@dataclass(frozen=True)
class ObjectType:
    """Description of one ERP object type."""

    name: str
    model: type[m.ErpBase]
    root: str  # name of the object itself in contexts ("order" for transport_order)
    label_pl: str
    label_en: str
    fields: tuple[FieldSpec, ...]
    one: tuple[OneRelation, ...] = ()
    many: tuple[ManyRelation, ...] = ()
    roles: tuple[RoleSpec, ...] = ()
    prints: tuple[str, ...] = ()
    listed: bool = True  # row types (invoice_line, payment) are not listed as object types
    display: str = "id"  # field that names an object for humans (number, name, ...)

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def column_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.computed)

    def relation(self, name: str) -> OneRelation | ManyRelation | None:
        rels: tuple[OneRelation | ManyRelation, ...] = (*self.one, *self.many)
        return next((r for r in rels if r.name == name), None)


def F(name: str, kind: FieldKind, pl: str, en: str, computed: bool = False) -> FieldSpec:
    return FieldSpec(name, kind, pl, en, computed)


_COMPANY_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("name", "str", "Nazwa", "Name"),
    F("nip", "str", "NIP", "Tax id (NIP)"),
    F("regon", "str", "REGON", "REGON"),
    F("street", "str", "Ulica", "Street"),
    F("postal_code", "str", "Kod pocztowy", "Postal code"),
    F("city", "str", "Miejscowość", "City"),
    F("country", "str", "Kraj", "Country"),
    F("email", "str", "E-mail", "E-mail"),
    F("phone", "str", "Telefon", "Phone"),
    F("bank_account", "str", "Rachunek bankowy", "Bank account"),
    F("is_own", "bool", "Nasza firma", "Our company"),
    F("address", "str", "Adres", "Address", computed=True),
)

_CONTACT_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("first_name", "str", "Imię", "First name"),
    F("last_name", "str", "Nazwisko", "Last name"),
    F("email", "str", "E-mail", "E-mail"),
    F("mobile", "str", "Telefon komórkowy", "Mobile phone"),
    F("position", "str", "Stanowisko", "Position"),
    F("tags", "str", "Role (tagi)", "Role tags"),
    F("company_id", "int", "Firma (id)", "Company id"),
    F("consent_email", "bool", "Zgoda na e-mail", "E-mail consent"),
    F("consent_email_at", "date", "Data zgody na e-mail", "E-mail consent date"),
    F("consent_sms", "bool", "Zgoda na SMS", "SMS consent"),
    F("consent_sms_at", "date", "Data zgody na SMS", "SMS consent date"),
    F("full_name", "str", "Imię i nazwisko", "Full name", computed=True),
)

_EMPLOYEE_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("login", "str", "Login", "Login"),
    F("first_name", "str", "Imię", "First name"),
    F("last_name", "str", "Nazwisko", "Last name"),
    F("email", "str", "E-mail", "E-mail"),
    F("mobile", "str", "Telefon komórkowy", "Mobile phone"),
    F("department", "str", "Dział", "Department"),
    F("full_name", "str", "Imię i nazwisko", "Full name", computed=True),
)

_INVOICE_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("number", "str", "Numer faktury", "Invoice number"),
    F("issue_date", "date", "Data wystawienia", "Issue date"),
    F("sale_date", "date", "Data sprzedaży", "Sale date"),
    F("due_date", "date", "Termin płatności", "Due date"),
    F("currency", "str", "Waluta", "Currency"),
    F("state", "str", "Stan dokumentu", "Document state"),
    F("seller_id", "int", "Sprzedawca (id)", "Seller id"),
    F("buyer_id", "int", "Nabywca (id)", "Buyer id"),
    F("buyer_contact_id", "int", "Osoba kontaktowa nabywcy (id)", "Buyer contact id"),
    F("payment_method", "str", "Forma płatności", "Payment method"),
    F("net_total", "money", "Razem netto", "Net total"),
    F("vat_total", "money", "Razem VAT", "VAT total"),
    F("gross_total", "money", "Razem brutto", "Gross total"),
    F("notes", "text", "Uwagi", "Notes"),
    F("amount_paid", "money", "Zapłacono", "Amount paid", computed=True),
    F("amount_due", "money", "Pozostało do zapłaty", "Amount due", computed=True),
    F("days_overdue", "int", "Dni po terminie", "Days overdue", computed=True),
    F("status", "str", "Status (szkic, wystawiona, zapłacona, przeterminowana)", "Status", computed=True),
)

_LINE_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("invoice_id", "int", "Faktura (id)", "Invoice id"),
    F("position", "int", "Lp.", "No."),
    F("description", "str", "Nazwa towaru lub usługi", "Description"),
    F("quantity", "decimal", "Ilość", "Quantity"),
    F("unit", "str", "J.m.", "Unit"),
    F("unit_price", "money", "Cena jedn. netto", "Net unit price"),
    F("vat_rate", "int", "Stawka VAT (%)", "VAT rate (%)"),
    F("net_amount", "money", "Wartość netto", "Net amount", computed=True),
    F("vat_amount", "money", "Kwota VAT", "VAT amount", computed=True),
    F("gross_amount", "money", "Wartość brutto", "Gross amount", computed=True),
)

_PAYMENT_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("invoice_id", "int", "Faktura (id)", "Invoice id"),
    F("paid_on", "date", "Data zapłaty", "Paid on"),
    F("amount", "money", "Kwota", "Amount"),
    F("method", "str", "Forma płatności", "Method"),
)

_CONTRACT_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("number", "str", "Numer umowy", "Contract number"),
    F("company_id", "int", "Nasza firma (id)", "Our company id"),
    F("counterparty_id", "int", "Kontrahent (id)", "Counterparty id"),
    F("counterparty_contact_id", "int", "Osoba kontaktowa (id)", "Counterparty contact id"),
    F("subject", "str", "Przedmiot umowy", "Subject"),
    F("start_date", "date", "Data rozpoczęcia", "Start date"),
    F("end_date", "date", "Data zakończenia", "End date"),
    F("value", "money", "Wartość", "Value"),
    F("currency", "str", "Waluta", "Currency"),
    F("manager_id", "int", "Opiekun (id)", "Account manager id"),
    F("days_to_end", "int", "Dni do końca umowy", "Days to end", computed=True),
)

_ORDER_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("number", "str", "Numer zlecenia", "Order number"),
    F("kind", "str", "Rodzaj (fracht, podróż służbowa)", "Kind (freight, business trip)"),
    F("shipper_id", "int", "Nadawca (id)", "Shipper id"),
    F("carrier_id", "int", "Przewoźnik (id)", "Carrier id"),
    F("carrier_contact_id", "int", "Kontakt przewoźnika (id)", "Carrier contact id"),
    F("consignee_id", "int", "Odbiorca (id)", "Consignee id"),
    F("pickup_address", "str", "Adres załadunku", "Pickup address"),
    F("pickup_date", "date", "Data załadunku", "Pickup date"),
    F("delivery_address", "str", "Adres rozładunku", "Delivery address"),
    F("delivery_date", "date", "Data rozładunku", "Delivery date"),
    F("cargo", "str", "Ładunek", "Cargo"),
    F("weight_kg", "decimal", "Waga (kg)", "Weight (kg)"),
    F("price", "money", "Fracht", "Price"),
    F("currency", "str", "Waluta", "Currency"),
    F("employee_id", "int", "Pracownik (id)", "Employee id"),
)

_RESOURCE_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("name", "str", "Nazwa", "Name"),
    F("kind", "str", "Rodzaj (pojazd, sala, sprzęt)", "Kind (vehicle, room, equipment)"),
    F("employee_id", "int", "Pracownik (id)", "Employee id"),
)

_DOCUMENT_FIELDS = (
    F("id", "int", "Identyfikator", "Id"),
    F("title", "str", "Tytuł", "Title"),
    F("number", "str", "Numer", "Number"),
    F("kind", "str", "Rodzaj", "Kind"),
    F("company_id", "int", "Firma (id)", "Company id"),
    F("employee_id", "int", "Odpowiedzialny (id)", "Responsible employee id"),
)


def _one(name: str, target: str, fk: str, pl: str, en: str) -> OneRelation:
    return OneRelation(name, target, fk, pl, en)


def _contacts_of(name: str, source: str, pl: str, en: str) -> ManyRelation:
    return ManyRelation(name, "contact", "company_id", source, pl, en)


TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType(
            "company",
            m.Company,
            "company",
            "Firma",
            "Company",
            _COMPANY_FIELDS,
            many=(_contacts_of("contacts", "id", "Osoby kontaktowe", "Contacts"),),
            roles=(
                RoleSpec("billing", "contacts", "Księgowość", "Billing", tag="billing"),
                RoleSpec("management", "contacts", "Zarząd", "Management", tag="management"),
                RoleSpec("sales", "contacts", "Handel", "Sales", tag="sales"),
                RoleSpec("logistics", "contacts", "Logistyka", "Logistics", tag="logistics"),
                RoleSpec("contacts", "contacts", "Osoby kontaktowe", "Contacts"),
                RoleSpec("company", "", "Firma", "Company"),
            ),
            display="name",
        ),
        ObjectType(
            "contact",
            m.Contact,
            "contact",
            "Osoba kontaktowa",
            "Contact",
            _CONTACT_FIELDS,
            one=(_one("company", "company", "company_id", "Firma", "Company"),),
            roles=(
                RoleSpec("contact", "", "Osoba kontaktowa", "Contact"),
                RoleSpec("company", "company", "Firma", "Company"),
            ),
            display="full_name",
        ),
        ObjectType(
            "employee",
            m.Employee,
            "employee",
            "Pracownik",
            "Employee",
            _EMPLOYEE_FIELDS,
            roles=(RoleSpec("employee", "", "Pracownik", "Employee"),),
            display="full_name",
        ),
        ObjectType(
            "invoice",
            m.Invoice,
            "invoice",
            "Faktura",
            "Invoice",
            _INVOICE_FIELDS,
            one=(
                _one("seller", "company", "seller_id", "Sprzedawca", "Seller"),
                _one("buyer", "company", "buyer_id", "Nabywca", "Buyer"),
                _one(
                    "buyer_contact",
                    "contact",
                    "buyer_contact_id",
                    "Osoba kontaktowa nabywcy",
                    "Buyer contact",
                ),
            ),
            many=(
                ManyRelation("lines", "invoice_line", "invoice_id", "id", "Pozycje", "Lines", "position"),
                ManyRelation("payments", "payment", "invoice_id", "id", "Wpłaty", "Payments", "paid_on"),
                _contacts_of("buyer_contacts", "buyer_id", "Osoby kontaktowe nabywcy", "Buyer's contacts"),
                _contacts_of(
                    "seller_contacts", "seller_id", "Osoby kontaktowe sprzedawcy", "Seller's contacts"
                ),
            ),
            roles=(
                RoleSpec("buyer_contact", "buyer_contact", "Osoba kontaktowa nabywcy", "Buyer contact"),
                RoleSpec(
                    "buyer_billing", "buyer_contacts", "Księgowość nabywcy", "Buyer billing", tag="billing"
                ),
                RoleSpec("buyer", "buyer", "Nabywca", "Buyer"),
                RoleSpec("seller_contact", "seller_contacts", "Kontakt sprzedawcy", "Seller contact"),
                RoleSpec("seller", "seller", "Sprzedawca", "Seller"),
            ),
            prints=("invoice",),
            display="number",
        ),
        ObjectType(
            "invoice_line",
            m.InvoiceLine,
            "line",
            "Pozycja faktury",
            "Invoice line",
            _LINE_FIELDS,
            listed=False,
        ),
        ObjectType("payment", m.Payment, "payment", "Wpłata", "Payment", _PAYMENT_FIELDS, listed=False),
        ObjectType(
            "contract",
            m.Contract,
            "contract",
            "Umowa",
            "Contract",
            _CONTRACT_FIELDS,
            one=(
                _one("company", "company", "company_id", "Nasza firma", "Our company"),
                _one("counterparty", "company", "counterparty_id", "Kontrahent", "Counterparty"),
                _one(
                    "counterparty_contact",
                    "contact",
                    "counterparty_contact_id",
                    "Osoba kontaktowa kontrahenta",
                    "Counterparty contact",
                ),
                _one("manager", "employee", "manager_id", "Opiekun umowy", "Account manager"),
            ),
            many=(
                _contacts_of(
                    "counterparty_contacts",
                    "counterparty_id",
                    "Osoby kontaktowe kontrahenta",
                    "Counterparty's contacts",
                ),
            ),
            roles=(
                RoleSpec(
                    "counterparty_contact", "counterparty_contact", "Osoba kontaktowa", "Counterparty contact"
                ),
                RoleSpec(
                    "counterparty_contacts",
                    "counterparty_contacts",
                    "Kontakty kontrahenta",
                    "Counterparty contacts",
                ),
                RoleSpec("counterparty", "counterparty", "Kontrahent", "Counterparty"),
                RoleSpec("manager", "manager", "Opiekun umowy", "Account manager"),
            ),
            prints=("contract",),
            display="number",
        ),
        ObjectType(
            "transport_order",
            m.TransportOrder,
            "order",
            "Zlecenie transportowe",
            "Transport order",
            _ORDER_FIELDS,
            one=(
                _one("shipper", "company", "shipper_id", "Nadawca", "Shipper"),
                _one("carrier", "company", "carrier_id", "Przewoźnik", "Carrier"),
                _one(
                    "carrier_contact",
                    "contact",
                    "carrier_contact_id",
                    "Kontakt przewoźnika",
                    "Carrier contact",
                ),
                _one("consignee", "company", "consignee_id", "Odbiorca", "Consignee"),
                _one("employee", "employee", "employee_id", "Pracownik", "Employee"),
            ),
            many=(
                _contacts_of("carrier_contacts", "carrier_id", "Kontakty przewoźnika", "Carrier's contacts"),
            ),
            roles=(
                RoleSpec("carrier_contact", "carrier_contact", "Kontakt przewoźnika", "Carrier contact"),
                RoleSpec("carrier", "carrier", "Przewoźnik", "Carrier"),
                RoleSpec("shipper", "shipper", "Nadawca", "Shipper"),
                RoleSpec("consignee", "consignee", "Odbiorca", "Consignee"),
                RoleSpec("employee", "employee", "Pracownik", "Employee"),
            ),
            prints=("transport_order",),
            display="number",
        ),
        ObjectType(
            "resource",
            m.Resource,
            "resource",
            "Zasób",
            "Resource",
            _RESOURCE_FIELDS,
            one=(_one("employee", "employee", "employee_id", "Przypisany pracownik", "Assigned employee"),),
            roles=(RoleSpec("employee", "employee", "Przypisany pracownik", "Assigned employee"),),
            display="name",
        ),
        ObjectType(
            "document",
            m.Document,
            "document",
            "Dokument",
            "Document",
            _DOCUMENT_FIELDS,
            one=(
                _one("company", "company", "company_id", "Firma", "Company"),
                _one(
                    "employee", "employee", "employee_id", "Odpowiedzialny pracownik", "Responsible employee"
                ),
            ),
            many=(_contacts_of("company_contacts", "company_id", "Kontakty firmy", "Company's contacts"),),
            roles=(
                RoleSpec("company_contacts", "company_contacts", "Kontakty firmy", "Company contacts"),
                RoleSpec("company", "company", "Firma", "Company"),
                RoleSpec("employee", "employee", "Odpowiedzialny pracownik", "Responsible employee"),
            ),
            display="number",
        ),
    )
}


def object_types() -> list[str]:
    """Names of the listed object types, sorted."""
    return sorted(name for name, t in TYPES.items() if t.listed)


def get_type(name: str) -> ObjectType:
    """The registry entry of an object type.

    Raises:
        UnknownObjectTypeError: naming the known types.
    """
    try:
        return TYPES[name]
    except KeyError:
        close = difflib.get_close_matches(name, object_types(), n=1, cutoff=0.7)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownObjectTypeError(
            f"unknown object type {name!r}{hint}; known types: {', '.join(object_types())}"
        ) from None


def register_print(object_type: str, print_name: str) -> None:
    """Add a print to a type's list (used by the prints package when it finds print templates)."""
    t = get_type(object_type)
    if print_name not in t.prints:
        object.__setattr__(t, "prints", (*t.prints, print_name))


__all__ = [
    "TYPES",
    "FieldSpec",
    "ManyRelation",
    "ObjectType",
    "OneRelation",
    "RoleSpec",
    "get_type",
    "object_types",
    "register_print",
]
