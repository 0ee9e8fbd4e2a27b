"""The host's storage: the only code that speaks SQL (rule 2).

One module per table group (`runs`, `events`, `assets`, `instigators`, `leases`, `partitions`,
`maintenance`); each function takes a SQLAlchemy `Connection` and never commits, so the caller owns the
transaction: `with engine.begin() as conn: ...`. Records are the frozen dataclasses of `records`.
"""

from host.storage.engine import default_url, ensure_schema, migrate, open_engine
from host.storage.errors import SchemaOutdatedError, StorageError

__all__ = ["SchemaOutdatedError", "StorageError", "default_url", "ensure_schema", "migrate", "open_engine"]
