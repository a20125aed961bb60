"""Member rollups (reporting/rollups/members.py): tables, keys and the statement triggers that keep them exact,
generated from the declarations, and filled from the member table as it is."""

from django.db import migrations

from reporting.rollups.members import MEMBER_ROLLUPS, create_sql, drop_sql


def _statements(build):
    return [statement for rollup in MEMBER_ROLLUPS for statement in build(rollup)]


class Migration(migrations.Migration):
    dependencies = [("reporting", "0032_audit_log_and_token_lifecycle")]

    operations = [migrations.RunSQL(_statements(create_sql), reverse_sql=_statements(drop_sql))]
