"""Template preview over whole frames: speed against bare python-liquid, and memory at 100,000 rows.

1. ``ws.preview`` of 10,000 invoices (database -> contexts -> render -> DataFrame) vs python-liquid
   rendering the same template sections over contexts built beforehand (goal: ratio of rates >= 0.5).
2. Peak RSS of a 100,000-row preview minus that of a 10,000-row one, each measured in a fresh process
   (goal: <= 100 MB): contexts are streamed chunk by chunk, so only the result table grows. Measured for
   the SMS reminder with every column, and for the e-mail reminder keeping subject, length and error (the
   HTML bodies of 100,000 e-mails are about 500 MB of text by themselves, whatever the pipeline).

The SMS speed ratio is printed for information: bare python-liquid renders a one-line SMS so fast that
building the ERP context and counting the SMS parts dominate any pipeline that starts at the database.

The demo database is built at --scale 20 (100,000 invoices) in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from atomcomm import Workspace
from atomcomm.db import make_engine
from atomcomm.erp.demo import create_demo
from benchmarks.common import median_time, report

REPO = Path(__file__).resolve().parents[1]
EMAIL, SMS = "invoice/payment_reminder.email", "invoice/payment_reminder.sms"
MEMORY_RUNS: list[tuple[str, list[str] | None]] = [(SMS, None), (EMAIL, ["subject", "length", "error"])]
SPEED_ROWS = 10_000
RSS_SMALL, RSS_LARGE = 10_000, 100_000
RSS_GOAL_MB = 100.0
TODAY = dt.date(2026, 11, 27)


def _open(folder: str) -> Workspace:
    return Workspace.open(folder, today=TODAY, environ={})


def speed(ws: Workspace, name: str, goal: float | None) -> None:
    ids = list(range(1, SPEED_ROWS + 1))
    reg = ws.templates
    compiled, object_type = reg.resolve(name)
    base = reg.render_globals()
    contexts = [{**base, **ctx} for _, ctx in ws.erp.contexts(object_type, ids)]
    sections = list(compiled.bound.values())

    def ours() -> None:
        df = ws.preview(name, ids, progress=False)
        assert len(df) == SPEED_ROWS and df["error"].isna().all()

    def baseline() -> None:
        out = [[t.render(data) for t in sections] for data in contexts]
        assert len(out) == SPEED_ROWS

    ours()
    baseline()
    t_ours, t_base = median_time(ours, 3), median_time(baseline, 3)
    print(
        f"   {name}: preview {SPEED_ROWS / t_ours:,.0f} rows/s (median {t_ours:.2f} s, database included); "
        f"python-liquid over built contexts {SPEED_ROWS / t_base:,.0f} rows/s (median {t_base:.2f} s)",
        flush=True,
    )
    report(f"{name} preview vs python-liquid (rates)", SPEED_ROWS / t_ours, SPEED_ROWS / t_base, goal=goal)


def peak_rss_mb(folder: str, name: str, rows: int, columns: list[str] | None) -> tuple[float, int]:
    """Peak RSS (MB) of a fresh process that previews ``rows`` invoices, and the rows it got."""
    code = (
        "import json; from benchmarks.bench_templates import _measure; "
        f"print(json.dumps(_measure({folder!r}, {name!r}, {rows}, {columns!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["peak_mb"]), int(data["rows"])


def _measure(folder: str, name: str, rows: int, columns: list[str] | None) -> dict[str, float]:
    ws = _open(folder)
    df = ws.preview(name, range(1, rows + 1), progress=False, columns=columns)
    assert df["error"].isna().all()
    return {"peak_mb": _peak_kb() / 1024, "rows": len(df)}


def _peak_kb() -> int:
    """Peak resident set of this process in kB.

    VmHWM belongs to the address space made by exec; ru_maxrss of a child process can report the parent's
    peak inherited through fork, which would hide the child's own growth.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def memory(folder: str, name: str, columns: list[str] | None) -> None:
    small, n_small = peak_rss_mb(folder, name, RSS_SMALL, columns)
    large, n_large = peak_rss_mb(folder, name, RSS_LARGE, columns)
    delta = large - small
    verdict = "OK" if delta <= RSS_GOAL_MB else f"ABOVE GOAL {RSS_GOAL_MB:.0f} MB"
    shown = ", ".join(columns) if columns else "all columns"
    print(
        f"   {name} ({shown}): peak RSS {n_small:,} rows {small:.0f} MB, {n_large:,} rows {large:.0f} MB; "
        f"difference {delta:.0f} MB  {verdict}",
        flush=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        started = time.perf_counter()
        counts = create_demo(make_engine(url), scale=20, seed=42, today=TODAY)
        print(f"   demo --scale 20: {counts['invoices']:,} invoices in {time.perf_counter() - started:.1f} s")
        (Path(tmp) / "atomcomm.toml").write_text(
            f'[database]\nurl = "{url}"\n\n[templates]\npath = "{REPO / "templates"}"\n', encoding="utf-8"
        )
        ws = _open(tmp)
        speed(ws, EMAIL, goal=0.5)
        speed(ws, SMS, goal=None)
        ws.close()
        for name, columns in MEMORY_RUNS:
            memory(tmp, name, columns)


if __name__ == "__main__":
    main()
