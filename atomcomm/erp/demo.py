"""Deterministic Polish demo data for the ERP schema.

The same seed (and the same reference day) gives the same rows on SQLite and PostgreSQL: every value is
drawn in Python from seeded generators and inserted with explicit ids, in bulk (executemany of plain
dicts, chunked), never object by object. Only example.pl / example.com / example.org addresses are used.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Engine

from atomcomm.erp import models as m

DOMAINS = ("example.pl", "example.com", "example.org")
MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
VAT_RATES = (23, 23, 23, 23, 8, 8, 5, 0)
TAGS = ("billing", "logistics", "sales", "management")
DEPARTMENTS = ("Sprzedaż", "Księgowość", "Logistyka", "Spedycja", "Zarząd", "Marketing", "IT")
POSITIONS = {
    "billing": ("Główna księgowa", "Specjalista ds. rozliczeń", "Księgowa"),
    "logistics": ("Kierownik logistyki", "Dyspozytor", "Spedytor"),
    "sales": ("Kierownik zakupów", "Handlowiec", "Specjalista ds. zakupów"),
    "management": ("Prezes zarządu", "Członek zarządu", "Dyrektor operacyjny"),
}
PRODUCTS = (
    ("Usługa transportowa krajowa", "usł.", (800, 4500), 23),
    ("Usługa spedycyjna", "usł.", (300, 2500), 23),
    ("Paleta EUR 1200x800", "szt.", (35, 80), 23),
    ("Folia stretch 23 µm", "rol.", (25, 60), 23),
    ("Magazynowanie – miejsce paletowe", "m-c", (20, 45), 23),
    ("Przegląd techniczny wózka widłowego", "usł.", (400, 1200), 23),
    ("Szkolenie BHP dla kierowców", "os.", (120, 350), 23),
    ("Książka „Logistyka w praktyce”", "szt.", (49, 129), 5),
    ("Catering podczas szkolenia", "os.", (45, 95), 8),
    ("Wynajem sali konferencyjnej", "godz.", (90, 300), 23),
    ("Oprogramowanie – abonament miesięczny", "m-c", (199, 1299), 23),
    ("Usługa medyczna – badania okresowe", "os.", (150, 300), 0),
    ("Opłata za wjazd na teren portu", "szt.", (60, 160), 23),
    ("Kontener 40' – przeładunek", "szt.", (650, 1500), 23),
)
CARGO = (
    "Artykuły spożywcze suche, 33 palety",
    "Części samochodowe w skrzyniach",
    "Meble biurowe, zapakowane",
    "Materiały budowlane (płyty g-k)",
    "Elektronika użytkowa, 18 palet",
    "Papier w rolach",
    "Napoje w butelkach PET, 26 palet",
    "Chemia gospodarcza, ADR nie dotyczy",
)
CONTRACT_SUBJECTS = (
    "Stała obsługa transportowa",
    "Magazynowanie i dystrybucja towarów",
    "Abonament na oprogramowanie ERP",
    "Serwis floty pojazdów",
    "Ramowa umowa spedycyjna",
    "Leasing wózków widłowych",
)
DOCUMENT_KINDS = (
    ("certificate", "Certyfikat ISO 9001"),
    ("insurance", "Polisa OC przewoźnika"),
    ("policy", "Regulamin współpracy"),
    ("offer", "Oferta handlowa"),
    ("protocol", "Protokół odbioru"),
)
RESOURCES = (
    ("vehicle", "Ciągnik siodłowy"),
    ("vehicle", "Samochód dostawczy"),
    ("room", "Sala konferencyjna"),
    ("equipment", "Laptop"),
    ("equipment", "Skaner kodów kreskowych"),
)


@dataclass(frozen=True)
class DemoVolumes:
    companies: int = 200
    contacts: int = 600
    employees: int = 25
    invoices: int = 5000
    contracts: int = 300
    transport_orders: int = 800
    resources: int = 150
    documents: int = 100

    def scaled(self, scale: float) -> DemoVolumes:
        """Volume objects (invoices, contracts, orders, documents) multiplied; parties stay."""
        return DemoVolumes(
            self.companies,
            self.contacts,
            self.employees,
            max(1, int(self.invoices * scale)),
            max(1, int(self.contracts * scale)),
            max(1, int(self.transport_orders * scale)),
            self.resources,
            max(1, int(self.documents * scale)),
        )


def nip_checksum(digits: str) -> int:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11


def is_valid_nip(nip: str) -> bool:
    """True for a ten-digit NIP whose last digit is the checksum of the first nine."""
    nip = nip.replace("-", "").replace(" ", "")
    return len(nip) == 10 and nip.isdigit() and nip_checksum(nip[:9]) == int(nip[9])


def make_nip(rng: random.Random) -> str:
    while True:
        head = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        c = nip_checksum(head)
        if c != 10:
            return head + str(c)


def make_regon(rng: random.Random) -> str:
    head = "".join(str(rng.randint(0, 9)) for _ in range(8))
    c = sum(int(d) * w for d, w in zip(head, (8, 9, 2, 3, 4, 5, 6, 7), strict=True)) % 11
    return head + str(0 if c == 10 else c)


def make_iban(rng: random.Random) -> str:
    """A Polish IBAN (PL + 2 check digits + 8-digit bank code + 16-digit account) with valid checks."""
    bban = "".join(str(rng.randint(0, 9)) for _ in range(24))
    numeric = int(bban + "2521" + "00")  # P=25 L=21
    check = 98 - numeric % 97
    return f"PL{check:02d}{bban}"


def make_mobile(rng: random.Random) -> str:
    return "+48" + rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(7))


_PL = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def ascii_slug(text: str) -> str:
    return "".join(ch for ch in text.translate(_PL).lower() if ch.isalnum() or ch in ".-")


def _company_domain(name: str, i: int, rng: random.Random) -> str:
    base = ascii_slug(name.split()[0])[:20] or "firma"
    return f"{base}{i}.{rng.choice(DOMAINS)}"


class DemoBuilder:
    """Generates the rows of every demo table, deterministically from a seed and a reference day."""

    def __init__(self, seed: int = 42, today: dt.date | None = None, volumes: DemoVolumes | None = None):
        self.seed = seed
        self.today = today or dt.date.today()
        self.v = volumes or DemoVolumes()
        self.rng = random.Random(seed)
        self.fake = Faker("pl_PL")
        self.fake.seed_instance(seed)
        self.company_contacts: dict[int, list[int]] = {}
        self.carriers: list[int] = []

    def companies(self) -> list[dict[str, Any]]:
        rng, fake = self.rng, self.fake
        rows: list[dict[str, Any]] = [
            {
                "id": 1,
                "name": "Atom Sp. z o.o.",
                "nip": "5260250274",
                "regon": make_regon(rng),
                "street": "ul. Prosta 51",
                "postal_code": "00-838",
                "city": "Warszawa",
                "country": "PL",
                "email": "biuro@atom.example.pl",
                "phone": "+48221234567",
                "bank_account": make_iban(rng),
                "is_own": True,
            }
        ]
        for i in range(2, self.v.companies + 1):
            name = fake.company()
            domain = _company_domain(name, i, rng)
            rows.append(
                {
                    "id": i,
                    "name": name,
                    "nip": make_nip(rng),
                    "regon": make_regon(rng),
                    "street": fake.street_address(),
                    "postal_code": fake.postcode(),
                    "city": fake.city(),
                    "country": "PL",
                    "email": f"biuro@{domain}" if rng.random() > 0.05 else None,
                    "phone": make_mobile(rng) if rng.random() > 0.3 else None,
                    "bank_account": make_iban(rng),
                    "is_own": False,
                }
            )
        self.carriers = [int(r["id"]) for r in rows[1:] if rng.random() < 0.25] or [2]
        return rows

    def contacts(self, companies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng, fake = self.rng, self.fake
        rows = []
        for i in range(1, self.v.contacts + 1):
            # The first contacts cover every company once, so each company has at least one person.
            company = companies[(i - 1) % len(companies)] if i <= len(companies) else rng.choice(companies)
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name_female() if female else fake.last_name_male()
            tags = sorted(set(rng.sample(TAGS, rng.choice((1, 1, 1, 2)))))
            domain = (company["email"] or f"x@firma{company['id']}.example.pl").split("@", 1)[1]
            email = f"{ascii_slug(first)}.{ascii_slug(last)}{i}@{domain}"
            r = rng.random()
            if r < 0.03:
                email_value: str | None = f"{ascii_slug(first)}.{ascii_slug(last)}(at){domain}"  # bad data
            elif r < 0.08:
                email_value = None
            else:
                email_value = email
            mobile: str | None = make_mobile(rng)
            r = rng.random()
            if r < 0.04:
                mobile = "+4822" + "".join(str(rng.randint(0, 9)) for _ in range(7))  # landline
            elif r < 0.10:
                mobile = None
            ce = rng.random() < 0.6
            cs = rng.random() < 0.45
            rows.append(
                {
                    "id": i,
                    "first_name": first,
                    "last_name": last,
                    "email": email_value,
                    "mobile": mobile,
                    "position": rng.choice(POSITIONS[tags[0]]),
                    "tags": ",".join(tags),
                    "company_id": company["id"],
                    "consent_email": ce,
                    "consent_email_at": self.today - dt.timedelta(days=rng.randint(30, 1500)) if ce else None,
                    "consent_sms": cs,
                    "consent_sms_at": self.today - dt.timedelta(days=rng.randint(30, 1500)) if cs else None,
                }
            )
            self.company_contacts.setdefault(company["id"], []).append(i)
        return rows

    def employees(self) -> list[dict[str, Any]]:
        rng, fake = self.rng, self.fake
        rows = [
            {
                "id": 1,
                "login": "anowak",
                "first_name": "Anna",
                "last_name": "Nowak",
                "email": "anna.nowak@atom.example.pl",
                "mobile": "+48601100200",
                "department": "Księgowość",
            },
            {
                "id": 2,
                "login": "pkowalski",
                "first_name": "Piotr",
                "last_name": "Kowalski",
                "email": "piotr.kowalski@atom.example.pl",
                "mobile": "+48602100300",
                "department": "Spedycja",
            },
        ]
        logins = {"anowak", "pkowalski"}
        for i in range(3, self.v.employees + 1):
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name_female() if female else fake.last_name_male()
            login = (ascii_slug(first)[:1] + ascii_slug(last))[:20]
            while login in logins:
                login += str(rng.randint(0, 9))
            logins.add(login)
            rows.append(
                {
                    "id": i,
                    "login": login,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{ascii_slug(first)}.{ascii_slug(last)}@atom.example.pl",
                    "mobile": make_mobile(rng),
                    "department": rng.choice(DEPARTMENTS),
                }
            )
        return rows

    def invoices(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]]:
        """Invoices with their lines and payments, in chunks of 5,000 invoices."""
        rng = self.rng
        n = self.v.invoices
        start = self.today - dt.timedelta(days=540)
        span = 540
        per_month: dict[tuple[int, int], int] = {}
        line_id = payment_id = 0
        chunk: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]] = ([], [], [])
        issue_days = sorted(rng.randint(0, span) for _ in range(n))
        for i in range(1, n + 1):
            issue = start + dt.timedelta(days=issue_days[i - 1])
            seq = per_month.get((issue.year, issue.month), 0) + 1
            per_month[(issue.year, issue.month)] = seq
            buyer = rng.randint(2, self.v.companies)
            contacts = self.company_contacts.get(buyer, [])
            terms = rng.choice((7, 14, 14, 21, 30, 30, 45, 60))
            lines = []
            for pos in range(1, rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 8)) + 1):
                desc, unit, (lo, hi), rate = rng.choice(PRODUCTS)
                qty = Decimal(rng.choice((1, 1, 1, 2, 3, 5, 10, 12, 24))) if unit != "usł." else Decimal(1)
                line_id += 1
                lines.append(
                    {
                        "id": line_id,
                        "invoice_id": i,
                        "position": pos,
                        "description": desc,
                        "quantity": qty,
                        "unit": unit,
                        "unit_price": Decimal(rng.randint(lo * 100, hi * 100)) / 100,
                        "vat_rate": rate,
                    }
                )
            net, vat, gross = m.invoice_totals(lines)
            due = issue + dt.timedelta(days=terms)
            draft = i > n - max(1, n // 200)  # the newest few are drafts
            r = rng.random()
            payments = []
            if (
                (not draft and due < self.today - dt.timedelta(days=60) and r < 0.93)
                or (not draft and due < self.today and r < 0.6)
                or (not draft and due >= self.today and r < 0.25)
            ):
                paid_on = min(self.today, due + dt.timedelta(days=rng.randint(-10, 12)))
                payment_id += 1
                payments.append(
                    {
                        "id": payment_id,
                        "invoice_id": i,
                        "paid_on": paid_on,
                        "amount": gross,
                        "method": "przelew",
                    }
                )
            elif not draft and r < 0.74:  # partly paid
                payment_id += 1
                part = m.round_money(gross * Decimal(rng.choice((20, 30, 40, 50, 60))) / 100)
                payments.append(
                    {
                        "id": payment_id,
                        "invoice_id": i,
                        "paid_on": min(self.today, issue + dt.timedelta(days=rng.randint(1, terms))),
                        "amount": part,
                        "method": "przelew",
                    }
                )
            chunk[0].append(
                {
                    "id": i,
                    "number": f"FV/{issue.year}/{issue.month:02d}/{seq:04d}",
                    "issue_date": issue,
                    "sale_date": issue - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2))),
                    "due_date": due,
                    "currency": "PLN",
                    "state": "draft" if draft else "issued",
                    "seller_id": 1,
                    "buyer_id": buyer,
                    "buyer_contact_id": rng.choice(contacts) if contacts and rng.random() < 0.9 else None,
                    "payment_method": "przelew",
                    "net_total": net,
                    "vat_total": vat,
                    "gross_total": gross,
                    "notes": "Mechanizm podzielonej płatności" if gross > 15000 else None,
                }
            )
            chunk[1].extend(lines)
            chunk[2].extend(payments)
            if len(chunk[0]) >= 5000:
                yield chunk
                chunk = ([], [], [])
        if chunk[0]:
            yield chunk

    def contracts(self, employees: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for i in range(1, self.v.contracts + 1):
            cp = rng.randint(2, self.v.companies)
            start = self.today - dt.timedelta(days=rng.randint(30, 900))
            end = start + dt.timedelta(days=rng.choice((365, 365, 730, 1095)))
            contacts = self.company_contacts.get(cp, [])
            rows.append(
                {
                    "id": i,
                    "number": f"UM/{start.year}/{i:05d}",
                    "company_id": 1,
                    "counterparty_id": cp,
                    "counterparty_contact_id": rng.choice(contacts) if contacts else None,
                    "subject": rng.choice(CONTRACT_SUBJECTS),
                    "start_date": start,
                    "end_date": end,
                    "value": Decimal(rng.randint(5_000, 900_000)),
                    "currency": "PLN",
                    "manager_id": rng.randint(1, employees),
                }
            )
        return rows

    def transport_orders(self, employees: int) -> list[dict[str, Any]]:
        rng, fake = self.rng, self.fake
        rows = []
        cities = [fake.city() for _ in range(60)]
        for i in range(1, self.v.transport_orders + 1):
            trip = rng.random() < 0.15
            pickup = self.today + dt.timedelta(days=rng.randint(-200, 30))
            carrier = rng.choice(self.carriers)
            contacts = self.company_contacts.get(carrier, [])
            a, b = rng.sample(cities, 2)
            rows.append(
                {
                    "id": i,
                    "number": f"ZT/{pickup.year}/{i:05d}",
                    "kind": "business_trip" if trip else "freight",
                    "shipper_id": 1 if trip else rng.randint(2, self.v.companies),
                    "carrier_id": carrier,
                    "carrier_contact_id": rng.choice(contacts) if contacts else None,
                    "consignee_id": None if trip else rng.randint(2, self.v.companies),
                    "pickup_address": f"{fake.street_address()}, {fake.postcode()} {a}",
                    "pickup_date": pickup,
                    "delivery_address": f"{fake.street_address()}, {fake.postcode()} {b}",
                    "delivery_date": pickup + dt.timedelta(days=rng.randint(0, 3)),
                    "cargo": "Przewóz osoby – podróż służbowa" if trip else rng.choice(CARGO),
                    "weight_kg": Decimal(0) if trip else Decimal(rng.randint(300, 24000)),
                    "price": Decimal(rng.randint(350, 9000)),
                    "currency": "PLN",
                    "employee_id": rng.randint(1, employees),
                }
            )
        return rows

    def resources(self, employees: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for i in range(1, self.v.resources + 1):
            kind, name = rng.choice(RESOURCES)
            rows.append(
                {
                    "id": i,
                    "name": f"{name} #{i:03d}",
                    "kind": kind,
                    "employee_id": rng.randint(1, employees) if rng.random() < 0.85 else None,
                }
            )
        return rows

    def documents(self, employees: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for i in range(1, self.v.documents + 1):
            kind, title = rng.choice(DOCUMENT_KINDS)
            company = rng.randint(1, self.v.companies)
            rows.append(
                {
                    "id": i,
                    "title": f"{title} – {company}",
                    "number": f"DOK/{i:05d}",
                    "kind": kind,
                    "company_id": company,
                    "employee_id": rng.randint(1, employees),
                }
            )
        return rows


def _bulk(conn: Any, table: Table, rows: list[dict[str, Any]], chunk: int = 10_000) -> None:
    for k in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[k : k + chunk])


def create_demo(
    engine: Engine,
    *,
    scale: float = 1.0,
    seed: int = 42,
    today: dt.date | None = None,
    volumes: DemoVolumes | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Drop and recreate the ERP schema and fill it with demo data.

    Returns:
        Row counts per table.
    """
    say = progress or (lambda _msg: None)
    b = DemoBuilder(seed=seed, today=today, volumes=(volumes or DemoVolumes()).scaled(scale))
    m.ErpBase.metadata.drop_all(engine)
    m.ErpBase.metadata.create_all(engine)
    t = {name: tbl for name, tbl in m.ErpBase.metadata.tables.items()}
    with engine.begin() as conn:
        companies = b.companies()
        _bulk(conn, t["companies"], companies)
        _bulk(conn, t["contacts"], b.contacts(companies))
        employees = b.employees()
        _bulk(conn, t["employees"], employees)
        say(f"parties: {len(companies)} companies, {b.v.contacts} contacts, {len(employees)} employees")
        done = 0
        for invoices, lines, payments in b.invoices():
            _bulk(conn, t["invoices"], invoices)
            _bulk(conn, t["invoice_lines"], lines)
            _bulk(conn, t["payments"], payments)
            done += len(invoices)
            say(f"invoices: {done}/{b.v.invoices}")
        _bulk(conn, t["contracts"], b.contracts(len(employees)))
        _bulk(conn, t["transport_orders"], b.transport_orders(len(employees)))
        _bulk(conn, t["resources"], b.resources(len(employees)))
        _bulk(conn, t["documents"], b.documents(len(employees)))
        if engine.dialect.name == "postgresql":
            for name in t:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}"
                    )
                )
        counts = {
            name: int(conn.execute(select(func.count()).select_from(tbl)).scalar_one())
            for name, tbl in t.items()
        }
    return counts
