"""ERP frames and contexts on 100,000 invoices.

1. ``ws.erp.frame("invoice")`` with buyer and seller columns vs one hand-written ``pd.read_sql`` join of the
   same columns (goal: ratio of rates >= 0.7).
2. ``ws.erp.contexts`` for 10,000 invoices with lines: contexts per second and SQL statements per 1,000
   contexts (constant, not growing with the count).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import event, text

from atomcomm import Workspace
from atomcomm.db import make_engine
from atomcomm.erp.demo import create_demo
from benchmarks.common import median_time, report

COLUMNS = ["number", "issue_date", "due_date", "currency", "gross_total",
           "buyer.name", "buyer.nip", "buyer.city", "buyer.email",
           "seller.name", "seller.nip", "seller.bank_account"]  # fmt: skip

BASELINE_SQL = """
SELECT i.id, i.number, i.issue_date, i.due_date, i.currency, i.gross_total,
       b.name AS "buyer.name", b.nip AS "buyer.nip", b.city AS "buyer.city", b.email AS "buyer.email",
       s.name AS "seller.name", s.nip AS "seller.nip", s.bank_account AS "seller.bank_account"
FROM invoices i
LEFT JOIN companies b ON b.id = i.buyer_id
LEFT JOIN companies s ON s.id = i.seller_id
ORDER BY i.id
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        started = time.perf_counter()
        counts = create_demo(make_engine(url), scale=20, seed=42)
        print(f"   demo --scale 20: {counts['invoices']} invoices, {counts['invoice_lines']} lines "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        (Path(tmp) / "atomcomm.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        ws = Workspace.open(tmp, environ={})
        n = counts["invoices"]

        def ours() -> None:
            df = ws.erp.frame("invoice", columns=COLUMNS)
            assert len(df) == n

        def baseline() -> None:
            with ws.engine.connect() as conn:
                df = pd.read_sql(text(BASELINE_SQL), conn, coerce_float=False, index_col="id")
            assert len(df) == n

        ours()
        baseline()
        t_ours, t_base = median_time(ours, 5), median_time(baseline, 5)
        print(f"   frame(invoice, {len(COLUMNS)} columns): {n / t_ours:,.0f} rows/s (median {t_ours:.2f} s); "
              f"pd.read_sql join: {n / t_base:,.0f} rows/s (median {t_base:.2f} s)")  # fmt: skip
        report("frame vs read_sql (rates)", n / t_ours, n / t_base, goal=0.7)
        t_full = median_time(lambda: ws.erp.frame("invoice"), 3)
        print(f"   full frame (all 57 columns, computed status/amount due): {n / t_full:,.0f} rows/s")

        ids = list(range(1, 10_001))
        statements = 0

        def count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(ws.engine, "before_cursor_execute", count)
        rates = []
        for _ in range(3):
            statements = 0
            started = time.perf_counter()
            built = sum(1 for _ in ws.erp.contexts("invoice", ids))
            rates.append(built / (time.perf_counter() - started))
        per_1000 = statements / (len(ids) / 1000)
        statements = 0
        sum(1 for _ in ws.erp.contexts("invoice", ids[:1000]))
        print(f"   contexts(invoice, 10,000 with lines): median {sorted(rates)[1]:,.0f} contexts/s; "
              f"{per_1000:.0f} SQL statements per 1,000 contexts (for exactly 1,000: {statements})")  # fmt: skip
        ws.close()


if __name__ == "__main__":
    main()
