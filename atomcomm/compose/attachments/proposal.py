"""One attachment of one message (:class:`AttachmentProposal`) and how proposals are made: the template's
prints and fixed files, files added by hand."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, Protocol

from atomcomm.compose.attachments.paths import (
    check_added_path,
    clean_filename,
    guess_content_type,
    resolve_template_file,
)
from atomcomm.errors import AtomcommError, AttachmentError

if TYPE_CHECKING:
    from atomcomm.config import Config
    from atomcomm.prints.service import Print, PrintService

Source = Literal["print", "template", "added"]


PDF = "application/pdf"


class AttachmentServices(Protocol):
    """What proposals need from a workspace: its configuration and its prints."""

    @property
    def config(self) -> Config: ...

    @property
    def printing(self) -> PrintService: ...


@dataclass(eq=False)
class AttachmentProposal:
    """One attachment of one message.

    Attributes:
        filename: the name the recipient sees.
        source: ``print`` (a print of the object), ``template`` (a fixed file of the template) or
            ``added`` (by hand).
        size: bytes; None while a print has not been rendered yet.
        error: why it cannot be sent, or None.
        included: False once the user removed it (it stays listed, unticked).
        content_type: MIME type.
        ref: what asked for it: the print name, the path written in the template, or the added file's path.
        object_type / object_id: the object a print belongs to.
        path: the file on disk (template and added files).
        templates_path: the templates folder a template file is checked against again when read.
    """

    filename: str
    source: Source
    size: int | None = None
    error: str | None = None
    included: bool = True
    content_type: str = PDF
    ref: str = ""
    object_type: str | None = None
    object_id: int | None = None
    path: Path | None = None
    templates_path: Path | None = None
    print_item: Print | None = field(default=None, repr=False)
    data: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def measure(self) -> int | None:
        """Fill in :attr:`size` (rendering a print if needed); a failure becomes :attr:`error`."""
        if self.size is None and self.error is None:
            try:
                self.size = len(self.read())
            except AtomcommError as err:
                self.error = str(err)
        return self.size

    def read(self) -> bytes:
        """The content to send. Fixed files are checked again (they may have changed since proposed).

        Raises:
            AttachmentError: the file is now missing, empty or outside its folder.
            PrintError: the print failed.
        """
        if self.data is not None:
            return self.data
        if self.print_item is not None:
            return self.print_item.render()
        if self.path is None:
            raise AttachmentError(f"{self.filename}: nothing to read")
        if self.source == "template" and self.templates_path is not None:
            path = resolve_template_file(self.templates_path, self.ref)
        else:
            path = check_added_path(self.path)
        data = path.read_bytes()
        if not data:
            raise AttachmentError(f"{self.ref or path}: the file is empty (0 bytes)")
        return data

    def row(self) -> dict[str, Any]:
        """A table row: file name, size, source, included, error."""
        return {
            "filename": self.filename,
            "size": self.size,
            "source": self.source,
            "included": self.included,
            "error": self.error,
        }


def attachment_spec(spec: Any) -> tuple[list[str], list[str]]:
    """(print names, file paths) from a template's ``attachments`` front matter.

    Accepts None, a mapping ``{prints: [...], files: [...]}`` or an object with ``prints`` and ``files``
    attributes (the templates package's ``Attachments``).

    Raises:
        AttachmentError: the spec has another shape.
    """
    if spec is None:
        return [], []
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"prints", "files"}
        if unknown:
            raise AttachmentError(f"attachments may list prints and files only, not {sorted(unknown)}")
        prints, files = spec.get("prints"), spec.get("files")
    else:
        prints, files = getattr(spec, "prints", None), getattr(spec, "files", None)
    return _names(prints, "prints"), _names(files, "files")


def _names(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise AttachmentError(f"attachments.{key} must be a list of names, got {value!r}")
    return list(value)


def template_file_proposal(templates_path: Path, ref: str) -> AttachmentProposal:
    """A proposal for one fixed file of a template (an error on the proposal when it is unusable)."""
    name = PurePosixPath(ref.replace("\\", "/")).name or ref
    try:
        path = resolve_template_file(templates_path, ref)
    except AttachmentError as err:
        return AttachmentProposal(
            name, "template", error=str(err), ref=ref, content_type=guess_content_type(name)
        )
    return AttachmentProposal(
        name,
        "template",
        size=path.stat().st_size,
        content_type=guess_content_type(name),
        ref=ref,
        path=path,
        templates_path=Path(templates_path),
    )


def print_proposals(
    printing: PrintService,
    object_type: str,
    object_id: int,
    names: Sequence[str],
    *,
    measure: bool = True,
) -> list[AttachmentProposal]:
    """Proposals for prints of one object; a failing print is an error on its proposal.

    Args:
        measure: render the prints now to know their sizes (the PDFs stay in the print cache for the send);
            False leaves ``size`` None until :meth:`AttachmentProposal.measure` or :func:`check_attachments`.
    """
    out: list[AttachmentProposal] = []
    for name in names:
        try:
            [item] = printing.prints(object_type, object_id, [name])
        except AtomcommError as err:
            out.append(
                AttachmentProposal(
                    f"{name}_{object_id}.pdf",
                    "print",
                    error=str(err),
                    ref=name,
                    object_type=object_type,
                    object_id=object_id,
                )
            )
            continue
        proposal = AttachmentProposal(
            item.filename,
            "print",
            ref=name,
            object_type=object_type,
            object_id=object_id,
            print_item=item,
        )
        if measure:
            proposal.measure()
        out.append(proposal)
    return out


def propose_attachments(
    services: AttachmentServices,
    spec: Any,
    object_type: str,
    object_id: int,
    *,
    measure: bool = True,
) -> list[AttachmentProposal]:
    """The attachments proposed for one message: the template's prints, then its fixed files.

    Args:
        services: the workspace (``ws``): its templates folder and print service are used.
        spec: the template's ``attachments`` (``TemplateInfo.attachments``, a mapping, or None).
        object_type / object_id: the object the message is about.
        measure: render prints now to show their sizes (see :func:`print_proposals`).

    Returns:
        Proposals, all included; errors (missing file, failed print, ...) are on the proposals, not raised.

    Raises:
        AttachmentError: only when ``spec`` itself is malformed.
    """
    prints, files = attachment_spec(spec)
    out = print_proposals(services.printing, object_type, int(object_id), prints, measure=measure)
    templates_path = services.config.templates_path
    out.extend(template_file_proposal(templates_path, ref) for ref in files)
    return out


def added_file(path: str | os.PathLike[str], filename: str | None = None) -> AttachmentProposal:
    """A file the user attaches by hand.

    Raises:
        AttachmentError: missing, not a regular file, empty or unreadable (said at once, to the user).
    """
    resolved = check_added_path(Path(path))
    name = clean_filename(filename or resolved.name)
    return AttachmentProposal(
        name,
        "added",
        size=resolved.stat().st_size,
        content_type=guess_content_type(name),
        ref=str(path),
        path=resolved,
    )


def added_bytes(filename: str, data: bytes, content_type: str | None = None) -> AttachmentProposal:
    """Content the user attaches by hand from memory (an upload widget).

    Raises:
        AttachmentError: empty content or no usable file name.
    """
    name = clean_filename(filename)
    if not data:
        raise AttachmentError(f"{name}: the file is empty (0 bytes)")
    return AttachmentProposal(
        name,
        "added",
        size=len(data),
        content_type=content_type or guess_content_type(name),
        ref=filename,
        data=bytes(data),
    )


__all__ = [
    "PDF",
    "AttachmentProposal",
    "AttachmentServices",
    "Source",
    "added_bytes",
    "added_file",
    "attachment_spec",
    "print_proposals",
    "propose_attachments",
    "template_file_proposal",
]
