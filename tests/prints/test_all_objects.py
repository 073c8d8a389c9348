"""Every print renders for each of the first 200 objects of its type in the demo data set.

The objects are rendered through the batch path (``PrintService.preflight``: one context query per
chunk, the shared font configuration, nothing cached), in halves spread over worker processes.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.prints.service import PrintCheck

from ..conftest import TODAY

FIRST = 200


def _preflight(workspace: str, object_type: str, part: int) -> tuple[list[int], list[PrintCheck], list[str]]:
    """Check one half of the first objects of a type (halves balance the work of the processes)."""
    with Workspace.open(workspace, today=TODAY, environ={}) as w:
        first = [int(i) for i in w.erp.frame(object_type, columns=[], limit=FIRST).index]
        ids = first[part * FIRST // 2 : (part + 1) * FIRST // 2]
        checks = w.printing.preflight(object_type, ids)
        html_errors = []
        for oid, ctx in w.erp.contexts(object_type, ids):
            try:
                [p] = w.printing.prints(object_type, oid, context=ctx)
                assert p.filename.endswith(".pdf")
            except Exception as err:  # collected to report every failing object at once
                html_errors.append(f"{oid}: {err}")
        return ids, checks, html_errors


@pytest.fixture(scope="module")
def results(demo_workspace_dir: Path) -> dict[str, tuple[list[int], list[PrintCheck], list[str]]]:
    types = ["invoice", "transport_order", "contract"]
    with ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            (t, part): pool.submit(_preflight, str(demo_workspace_dir), t, part)
            for t in types
            for part in (0, 1)
        }
        done = {key: f.result() for key, f in futures.items()}
    return {
        t: (
            done[t, 0][0] + done[t, 1][0],
            done[t, 0][1] + done[t, 1][1],
            done[t, 0][2] + done[t, 1][2],
        )
        for t in types
    }


@pytest.mark.parametrize("object_type", ["invoice", "transport_order", "contract"])
def test_print_works_for_first_200_objects(
    results: dict[str, tuple[list[int], list[PrintCheck], list[str]]], object_type: str
) -> None:
    ids, checks, html_errors = results[object_type]
    assert len(ids) == FIRST
    assert html_errors == []
    failed = [f"{c.object_id}: {c.error}" for c in checks if c.error is not None]
    assert failed == []
    assert [c.object_id for c in checks] == ids
    assert all(c.size is not None and c.size > 5_000 for c in checks)
    filenames = [c.filename for c in checks]
    assert len(set(filenames)) == FIRST  # each object's PDF has its own name
