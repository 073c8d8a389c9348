"""Invoice prints per second: one shared font configuration vs a fresh one per document.

Both sides render the same invoices (Liquid HTML -> WeasyPrint PDF) from contexts read beforehand, with
the PDF cache off, pinned to one CPU core:

- ours: ``PrintService`` with the process-wide renderer (fonts loaded once, stylesheets parsed once);
- baseline: the same service with a renderer that builds a new ``FontConfiguration`` and parses the
  stylesheets for every document, as a naive ``HTML(...).write_pdf()`` per document does.

Two more rows show what each of the renderer's other savings is worth, by turning one off: WeasyPrint's full
HTML5 user-agent stylesheet instead of the prints' ``ua.css``, and the garbage collector left running.

Goal: >= 20 invoice PDFs per second on one core for ours, counted in CPU time of the process (wall time is
printed too: on a shared machine it also counts waiting for the core); the ratio ours/baseline is printed.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from atomcomm import Workspace
from atomcomm.db import make_engine
from atomcomm.erp.demo import create_demo
from atomcomm.prints.pdf import PdfRenderer
from atomcomm.prints.service import PrintService
from benchmarks.common import median_time, report

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 27)
INVOICES = 40
GOAL_PER_SECOND = 20.0


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _rates(service: PrintService, contexts: list[tuple[int, dict[str, Any]]]) -> tuple[float, float]:
    """(PDFs per second of wall time, PDFs per second of this process's CPU time); medians of 3 runs.

    The CPU-time rate is what one core delivers when other processes share the machine.
    """
    cpu: list[float] = []

    def run() -> None:
        started = time.process_time()
        for oid, ctx in contexts:
            [p] = service.prints("invoice", oid, context=ctx)
            assert p.render().startswith(b"%PDF")
        cpu.append(time.process_time() - started)

    run()  # first documents load fonts and parse templates
    cpu.clear()
    wall = median_time(run, 3)
    return len(contexts) / wall, len(contexts) / statistics.median(cpu)


def main() -> None:
    pinned = _pin_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite"
        engine = make_engine(f"sqlite:///{db}")
        create_demo(engine, today=TODAY)
        engine.dispose()
        (Path(tmp) / "atomcomm.toml").write_text(
            f'[database]\nurl = "sqlite:///{db}"\n[templates]\npath = "{REPO / "templates"}"\n',
            encoding="utf-8",
        )
        with Workspace.open(tmp, today=TODAY, environ={}) as ws:
            contexts = list(ws.erp.contexts("invoice", range(1, INVOICES + 1)))
            lines = sum(len(c["invoice"]["lines"]) for _, c in contexts) / len(contexts)

            def service(**options: bool) -> PrintService:
                renderer = PdfRenderer(**options) if options else None
                return PrintService(ws.erp, ws.config.templates_path, cache_bytes=0, renderer=renderer)

            ours, ours_cpu = _rates(service(), contexts)
            baseline, baseline_cpu = _rates(service(share_fonts=False), contexts)
            _, full_ua_cpu = _rates(service(print_ua=False), contexts)
            _, gc_on_cpu = _rates(service(pause_gc=False), contexts)
    print(
        f"   invoice print ({INVOICES} invoices, {lines:.1f} lines on average, {pinned}):\n"
        f"     shared font configuration:      {ours:5.1f} PDF/s wall ({1000 / ours:3.0f} ms each), "
        f"{ours_cpu:5.1f} PDF/s of CPU time ({1000 / ours_cpu:3.0f} ms)\n"
        f"     fresh configuration per document: {baseline:5.1f} PDF/s wall ({1000 / baseline:3.0f} ms each), "
        f"{baseline_cpu:5.1f} PDF/s of CPU time ({1000 / baseline_cpu:3.0f} ms)",
        flush=True,
    )
    verdict = "OK" if ours_cpu >= GOAL_PER_SECOND else "BELOW GOAL"
    print(
        f"   goal >= {GOAL_PER_SECOND:.0f} PDF/s on one core (CPU time): {ours_cpu:.1f} PDF/s  {verdict}",
        flush=True,
    )
    report("shared vs fresh font configuration (wall-time rates)", ours, baseline)
    report("shared vs fresh font configuration (CPU-time rates)", ours_cpu, baseline_cpu)
    report("prints' ua.css vs WeasyPrint's HTML5 user-agent sheet (CPU-time rates)", ours_cpu, full_ua_cpu)
    report("collector paused per document vs running (CPU-time rates)", ours_cpu, gc_on_cpu)


if __name__ == "__main__":
    main()
