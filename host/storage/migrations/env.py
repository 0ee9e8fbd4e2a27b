"""Alembic environment: migrations run only through `host.storage.engine.migrate` on a live connection.

No alembic.ini is needed on the user's disk; `engine.alembic_config` builds the configuration and hands
over the connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from host.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Weir migrations run online only: use `weir storage migrate`.")

# render_as_batch lets the same migration alter tables on SQLite, which lacks most ALTER TABLE forms.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
