"""Migration operations shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL only: the triggers and functions that the embedded
    SQLite default does without (each migration says what SQLite relies on instead).

    Give ``sql`` and ``reverse_sql`` as one-element lists: each script then goes to the database
    whole (several statements, dollar-quoted bodies) instead of being split by ``sqlparse``.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
