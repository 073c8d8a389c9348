"""The ERP side: models, the object-type registry, frames, contexts and demo data."""

from atomcomm.erp.service import ErpService
from atomcomm.erp.types import ObjectType, get_type, object_types

__all__ = ["ErpService", "ObjectType", "get_type", "object_types"]
