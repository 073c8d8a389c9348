"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (NAME matches bench_NAME.py).

Each ``benchmarks/bench_*.py`` module has ``main() -> None`` that measures atomcomm and its baseline in
the same run and prints medians and the ratio. The machine is small and noisy: read ratios, not seconds.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
