"""Alembic environment: the engine comes from bot.db (or alembic.ini's URL for the CLI)."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import bot.models  # noqa: F401 - registers the tables on SQLModel.metadata
import knowledge.store  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata

engine = config.attributes.get("engine")
if engine is None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic needs an engine (bot.db.migrate passes one) or sqlalchemy.url")
    engine = create_engine(url)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
