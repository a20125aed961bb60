"""The function behind Member.interest_set (a generated column needs it to exist first)."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION reporting_interest_set(properties jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT e.value ORDER BY e.value), '{}')
    FROM jsonb_array_elements_text(
        CASE jsonb_typeof(properties -> 'interests') WHEN 'array' THEN properties -> 'interests' ELSE '[]'::jsonb END
    ) AS e(value)
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_strict_try_timestamptz")]
    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS reporting_interest_set(jsonb)")]
