"""Alembic environment: runs on the connection bot.backoffice.db.migrate() hands over, or on DATABASE_URL."""

from alembic import context

from bot.backoffice.db import database_url, make_engine
from bot.backoffice.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with make_engine(database_url()).begin() as own_connection:
        context.configure(connection=own_connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
