"""Persistence: SQLAlchemy 2 models, engine set-up, repositories and Alembic migrations.

Nothing here knows about messengers, conversations or HTTP.
"""
