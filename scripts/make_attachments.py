"""Render the fixed attachments (templates/attachments/*.pdf) from their Liquid HTML sources.

Sources are ``templates/attachments/src/<name>.html.liquid``: front matter with ``output`` (the PDF file
name) and any values the document uses, then the HTML. Every source also sees ``company`` (from
``src/company.yaml``) and the shared stylesheet ``src/document.css``. They are rendered with the same
Liquid environment and PDF renderer as the prints, so filters and fonts are the same.

    python scripts/make_attachments.py              # write templates/attachments/*.pdf
    python scripts/make_attachments.py --check      # exit 1 if a PDF is missing or differs in content
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
ATTACHMENTS = REPO / "templates" / "attachments"
SOURCES = ATTACHMENTS / "src"
SUFFIX = ".html.liquid"


def render_sources(src_dir: Path = SOURCES) -> dict[str, bytes]:
    """{output file name: PDF bytes} for every source in ``src_dir``."""
    from atomcomm.prints.pdf import PdfRenderer
    from atomcomm.prints.registry import split_front_matter
    from atomcomm.templates.engine import build_environment

    env = build_environment(src_dir, html=True)
    shared: dict[str, Any] = {}
    company_file = src_dir / "company.yaml"
    if company_file.is_file():
        shared["company"] = yaml.safe_load(company_file.read_text(encoding="utf-8"))
    css_file = src_dir / "document.css"
    stylesheets = [css_file.read_text(encoding="utf-8")] if css_file.is_file() else []
    renderer = PdfRenderer(roots=[src_dir])
    out: dict[str, bytes] = {}
    for source in sorted(src_dir.glob(f"*{SUFFIX}")):
        meta, body, _ = split_front_matter(source.read_text(encoding="utf-8"))
        output = str(meta.get("output") or source.name.removesuffix(SUFFIX) + ".pdf")
        if "/" in output or "\\" in output or not output.endswith(".pdf"):
            raise SystemExit(f"{source}: output must be a plain file name ending in .pdf, got {output!r}")
        html = env.from_string(body, name=source.name).render(**shared, **meta)
        out[output] = renderer.render(html, base_url=str(src_dir) + "/", stylesheets=stylesheets)
    return out


def pdf_text(data: bytes) -> str:
    """The text of a PDF (for comparing content: PDF bytes also hold ids and dates)."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--src", type=Path, default=SOURCES, help="folder of the sources")
    parser.add_argument("--out", type=Path, default=ATTACHMENTS, help="folder to write the PDFs to")
    parser.add_argument("--check", action="store_true", help="only compare with the PDFs on disk")
    args = parser.parse_args(argv)
    rendered = render_sources(args.src)
    if not rendered:
        print(f"no sources in {args.src}", file=sys.stderr)
        return 1
    stale = []
    for name, pdf in rendered.items():
        target = args.out / name
        if args.check:
            if not target.is_file() or pdf_text(target.read_bytes()) != pdf_text(pdf):
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf)
        print(f"{target} ({len(pdf):,} B)".replace(",", " "))
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/make_attachments.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
