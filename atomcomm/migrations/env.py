"""Alembic environment for atomcomm's own tables; always run through atomcomm.db.upgrade()."""

from alembic import context

from atomcomm.db import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
