"""The audit log records a segment's edits (rename, new filter) as ``segment.updated``.

Literal SQL for the database (the check constraint of the allowed actions, dropped and re-added with the new one),
the same change as Django operations for the migration state.
"""

from django.db import migrations, models

ACTIONS = [
    "api_client.created",
    "api_client.token_rotated",
    "api_client.revoked",
    "api_client.permits_changed",
    "export.created",
    "export.downloaded",
    "login.failed",
    "segment.created",
    "segment.deleted",
    "segment.updated",
    "login.locked_out",
]
BEFORE = [action for action in ACTIONS if action != "segment.updated"]


def _check(actions: list[str]) -> str:
    listed = ", ".join(f"'{action}'" for action in actions)
    return (
        "ALTER TABLE reporting_auditevent DROP CONSTRAINT IF EXISTS audit_action_valid; "
        f"ALTER TABLE reporting_auditevent ADD CONSTRAINT audit_action_valid CHECK (action IN ({listed}));"
    )


def _choices(actions: list[str]) -> list[tuple[str, str]]:
    return [(action, action.replace(".", " ").replace("_", " ").title()) for action in actions]


class Migration(migrations.Migration):
    dependencies = [("reporting", "0053_interest_set_plpgsql")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(_check(ACTIONS), reverse_sql=_check(BEFORE))],
            state_operations=[
                migrations.RemoveConstraint(model_name="auditevent", name="audit_action_valid"),
                migrations.AlterField(
                    model_name="auditevent", name="action", field=models.TextField(choices=_choices(ACTIONS))
                ),
                migrations.AddConstraint(
                    model_name="auditevent",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("action__in", ACTIONS)), name="audit_action_valid"
                    ),
                ),
            ],
        )
    ]
