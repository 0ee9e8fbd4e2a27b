"""The alembic migrations: the only source of the storage schema, shipped as package data.

Adding a revision (there is no alembic.ini; the configuration is built in code):

    from alembic import command
    from host.storage.engine import alembic_config, open_engine
    with open_engine("sqlite:////tmp/dev.db").begin() as conn:  # a database at the current head
        command.revision(alembic_config(conn), message="what changes", autogenerate=True, rev_id="0004")

Then update the Table objects in `host/storage/schema.py` to match (a test compares them with the head
migration) and never edit a revision that has shipped: old databases, like the one kept in
`tests/host/storage/fixtures/`, were created by it.
"""
