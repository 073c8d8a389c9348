"""Prints: PDF renderings of ERP objects (an invoice, a transport order, a contract) from Liquid HTML.

Print templates live in ``templates/prints/<object_type>/<name>.html.liquid`` (see
:mod:`atomcomm.prints.registry`); they use the same Liquid environment, filters and metatags as message
templates. :mod:`atomcomm.prints.pdf` turns the HTML into PDF with WeasyPrint and the DejaVu fonts shipped
in ``fonts/`` (one font configuration per process); :class:`PrintService` (``ws.printing``, and
``ws.prints(type, id)``) renders and caches them.
"""

from atomcomm.prints.pdf import FONTS_DIR, PdfRenderer, html_to_pdf, shared_renderer
from atomcomm.prints.registry import PrintRegistry, PrintTemplate
from atomcomm.prints.service import Print, PrintCheck, PrintService, safe_filename

__all__ = [
    "FONTS_DIR",
    "PdfRenderer",
    "Print",
    "PrintCheck",
    "PrintRegistry",
    "PrintService",
    "PrintTemplate",
    "html_to_pdf",
    "safe_filename",
    "shared_renderer",
]
