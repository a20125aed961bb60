"""SQL helpers that the report SQL and ingestion share, so each rule has one implementation."""

from django.db import migrations

FUNCTIONS = r"""
-- A text that may or may not be a timestamp (a dynamic property): the timestamp, or NULL instead of an error.
CREATE OR REPLACE FUNCTION reporting_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR value !~ '^\s*\d{4}-\d{2}-\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

-- The seed's age bucket of someone born on `birth`, today in time zone `tz` (ingestion.md: recomputed daily).
CREATE OR REPLACE FUNCTION reporting_age_bucket(birth date, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN birth IS NULL THEN NULL
        WHEN years <= 14 THEN '-14'
        WHEN years >= 80 THEN '80-'
        ELSE (years - years % 5)::text || '-' || (years - years % 5 + 4)::text
    END
    FROM (SELECT date_part('year', age((now() AT TIME ZONE tz)::date, birth))::int AS years) AS computed
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS reporting_try_timestamptz(text);
DROP FUNCTION IF EXISTS reporting_age_bucket(date, text);
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
