"""Ages on any day, so a join or leave event carries the member's age bucket when it happened (ingestion.md:
"with the member's … age … at that time"), not on the day it was imported.

``reporting_age_bucket_on`` is the one rule; ``reporting_age_bucket(birth, tz)`` becomes "on today, in tz".
Both ``reporting_age_*`` helpers are single expressions, so the planner inlines them instead of calling a
function per row. Existing ``in`` events of current members are recomputed from the private birth date; an
``out`` event's member is gone with its birth date, so those keep the bucket they were given.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION reporting_age_years(birth date, on_day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_part('year', age(on_day::timestamp, birth::timestamp))::integer
$$;

CREATE OR REPLACE FUNCTION reporting_age_bucket_on(birth date, on_day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN birth IS NULL OR on_day IS NULL THEN NULL
        WHEN reporting_age_years(birth, on_day) <= 14 THEN '-14'
        WHEN reporting_age_years(birth, on_day) >= 80 THEN '80-'
        ELSE (reporting_age_years(birth, on_day) - reporting_age_years(birth, on_day) % 5)::text
             || '-' || (reporting_age_years(birth, on_day) - reporting_age_years(birth, on_day) % 5 + 4)::text
    END
$$;

CREATE OR REPLACE FUNCTION reporting_age_bucket(birth date, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT reporting_age_bucket_on(birth, (now() AT TIME ZONE tz)::date)
$$;

UPDATE reporting_memberevent AS e
SET age = reporting_age_bucket_on(m.birth_date, (e.occurred_at AT TIME ZONE c.timezone)::date)
FROM reporting_member AS m, reporting_community AS c
WHERE e.type = 'in' AND m.id = e.member_id AND c.id = e.community_id
  AND e.age IS DISTINCT FROM reporting_age_bucket_on(m.birth_date, (e.occurred_at AT TIME ZONE c.timezone)::date);
"""

# Going back keeps the functions: the new reporting_age_bucket answers exactly as 0002's did, and the recomputed
# event ages are the more correct ones.
REVERSE = migrations.RunSQL.noop


class Migration(migrations.Migration):
    dependencies = [("reporting", "0009_unlogged_rate_limit_buckets")]
    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
