"""Paths of attachments: fixed files confined to ``templates/attachments/``, files added by hand."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from atomcomm.errors import AttachmentError

ATTACHMENTS_FOLDER = "attachments"


def resolve_template_file(templates_path: Path, ref: str) -> Path:
    """The file a template's ``attachments.files`` entry names, checked.

    The path is relative to the templates folder and must stay under ``templates/attachments/`` once
    symlinks are followed.

    Raises:
        AttachmentError: absolute path, ``..``, outside the folder (also through a symlink), missing,
            not a regular file, or empty.
    """
    folder = Path(templates_path) / ATTACHMENTS_FOLDER
    if not ref or not ref.strip() or "\x00" in ref:
        raise AttachmentError(f"empty or invalid attachment path {ref!r}")
    if "\\" in ref:
        raise AttachmentError(f"{ref}: write paths with '/', relative to the templates folder")
    pure = PurePosixPath(ref)
    if pure.is_absolute() or PureWindowsPath(ref).drive:
        raise AttachmentError(
            f"{ref}: absolute paths are not allowed; fixed attachments are named relative to the templates "
            f"folder, e.g. {ATTACHMENTS_FOLDER}/regulamin.pdf"
        )
    if ".." in pure.parts:
        raise AttachmentError(f"{ref}: '..' is not allowed; fixed attachments must be under {folder}")
    if not pure.parts or pure.parts[0] != ATTACHMENTS_FOLDER or len(pure.parts) < 2:
        raise AttachmentError(
            f"{ref}: fixed attachments must be under {ATTACHMENTS_FOLDER}/ (e.g. {ATTACHMENTS_FOLDER}/{pure.name})"
        )
    root = folder.resolve()
    candidate = Path(templates_path) / pure
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise AttachmentError(
            f"{ref}: points outside {folder} (to {resolved}); copy the file into the folder"
        )
    if not resolved.exists():
        raise AttachmentError(f"{ref}: file not found in {folder}")
    if not resolved.is_file():
        raise AttachmentError(f"{ref}: not a regular file")
    if resolved.stat().st_size == 0:
        raise AttachmentError(f"{ref}: the file is empty (0 bytes); replace it with the real document")
    return resolved


def check_added_path(path: Path) -> Path:
    """A file added by hand, resolved.

    Raises:
        AttachmentError: missing, not a regular file, empty or unreadable.
    """
    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise AttachmentError(f"{path}: file not found")
    if not resolved.is_file():
        raise AttachmentError(f"{path}: not a regular file")
    if resolved.stat().st_size == 0:
        raise AttachmentError(f"{path}: the file is empty (0 bytes)")
    if not os.access(resolved, os.R_OK):
        raise AttachmentError(f"{path}: not readable")
    return resolved


def clean_filename(filename: str) -> str:
    """The last part of a path (also a Windows one), without control characters.

    Raises:
        AttachmentError: nothing usable is left.
    """
    name = PurePosixPath(str(filename).replace("\\", "/")).name
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
    if not name or name in (".", ".."):
        raise AttachmentError(f"{filename!r} is not a usable file name")
    return name


def guess_content_type(filename: str) -> str:
    """The MIME type for a file name (``application/octet-stream`` when unknown)."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


__all__ = [
    "ATTACHMENTS_FOLDER",
    "check_added_path",
    "clean_filename",
    "guess_content_type",
    "resolve_template_file",
]
