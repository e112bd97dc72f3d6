"""The documented catalog of every database, table and column, its checks and its search index."""

from schema_catalog.loader import CATALOG_DIR, load_catalog, write_catalog
from schema_catalog.models import Catalog, CatalogColumn, CatalogDatabase, CatalogError, CatalogTable

__all__ = ["CATALOG_DIR", "Catalog", "CatalogColumn", "CatalogDatabase", "CatalogError", "CatalogTable",
           "load_catalog", "write_catalog"]
