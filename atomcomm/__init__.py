"""atomcomm: e-mail and SMS tied to Atom ERP objects, from Liquid templates, one at a time or in bulk."""

from atomcomm.errors import AtomcommError
from atomcomm.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["AtomcommError", "Workspace", "__version__"]
