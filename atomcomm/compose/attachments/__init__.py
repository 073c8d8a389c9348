"""Attachment proposals for a message: the template's prints and fixed files, plus files added by hand.

A template's front matter asks for attachments::

    attachments:
      prints: [invoice]                      # prints of the object (atomcomm.prints)
      files: [attachments/windykacja.pdf]    # fixed files, relative to the templates folder

:func:`propose_attachments` turns that into one :class:`AttachmentProposal` per file, each with its file
name, size and source (``print``, ``template`` or ``added``) and ``included=True``; the user may untick
any of them and add files (:func:`added_file`, :func:`added_bytes`). Nothing here raises for bad data
of one object: a missing or empty file, a path outside ``templates/attachments/`` (``..``, an absolute
path, a symlink pointing out) or a print that fails is an ``error`` on that proposal.
:func:`check_attachments` is the gate before sending: it refuses a message with an erroneous included
attachment or with more than ``[attachments] max_total_bytes`` (10 MB by default) in total, saying which
file and how to fix it. :func:`preflight_attachments` checks every row of a preview without keeping PDFs.
"""

from atomcomm.compose.attachments.gate import (
    DEFAULT_MAX_TOTAL_BYTES,
    attachment_payloads,
    attachments_frame,
    check_attachments,
    human_size,
    max_total_bytes,
    total_size,
)
from atomcomm.compose.attachments.paths import ATTACHMENTS_FOLDER, resolve_template_file
from atomcomm.compose.attachments.preflight import PREFLIGHT_COLUMNS, preflight_attachments, preflight_summary
from atomcomm.compose.attachments.proposal import (
    PDF,
    AttachmentProposal,
    AttachmentServices,
    Source,
    added_bytes,
    added_file,
    attachment_spec,
    print_proposals,
    propose_attachments,
    template_file_proposal,
)

__all__ = [
    "ATTACHMENTS_FOLDER",
    "DEFAULT_MAX_TOTAL_BYTES",
    "PDF",
    "PREFLIGHT_COLUMNS",
    "AttachmentProposal",
    "AttachmentServices",
    "Source",
    "added_bytes",
    "added_file",
    "attachment_payloads",
    "attachment_spec",
    "attachments_frame",
    "check_attachments",
    "human_size",
    "max_total_bytes",
    "preflight_attachments",
    "preflight_summary",
    "print_proposals",
    "propose_attachments",
    "resolve_template_file",
    "template_file_proposal",
    "total_size",
]
