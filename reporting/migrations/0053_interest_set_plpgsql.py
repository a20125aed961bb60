"""reporting_interest_set (behind the generated column Member.interest_set) as PL/pgSQL, same results.

The SQL function ran its aggregate query for every stored member row: inserting 100,000 rows into a table with
the generated column cost 11-15 µs a row more than without it, the PL/pgSQL version 5-6 µs (load average 9,
docs/performance.md). Most members have at most two interests: those are answered without a query, and longer
lists run the original statement through a cached plan.
tests/ingestion/test_interest_set.py compares both versions on random documents.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION reporting_interest_set(properties jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    items jsonb := properties -> 'interests';
    n integer;
    a text;
    b text;
BEGIN
    IF items IS NULL OR jsonb_typeof(items) <> 'array' THEN
        RETURN '{}';
    END IF;
    n := jsonb_array_length(items);
    IF n = 0 THEN
        RETURN '{}';
    ELSIF n = 1 THEN
        RETURN ARRAY[items ->> 0];
    ELSIF n = 2 THEN
        a := items ->> 0;
        b := items ->> 1;
        -- as array_agg(DISTINCT ... ORDER BY ...): one null at most, nulls last
        IF a IS NULL AND b IS NULL THEN
            RETURN ARRAY[NULL::text];
        ELSIF a IS NULL THEN
            RETURN ARRAY[b, NULL];
        ELSIF b IS NULL THEN
            RETURN ARRAY[a, NULL];
        ELSIF a = b THEN
            RETURN ARRAY[a];
        ELSIF a < b THEN
            RETURN ARRAY[a, b];
        END IF;
        RETURN ARRAY[b, a];
    END IF;
    RETURN (
        SELECT coalesce(array_agg(DISTINCT e.value ORDER BY e.value), '{}')
        FROM jsonb_array_elements_text(items) AS e(value)
    );
END $$;
"""

PREVIOUS = r"""
CREATE OR REPLACE FUNCTION reporting_interest_set(properties jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT e.value ORDER BY e.value), '{}')
    FROM jsonb_array_elements_text(
        CASE jsonb_typeof(properties -> 'interests') WHEN 'array' THEN properties -> 'interests' ELSE '[]'::jsonb END
    ) AS e(value)
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0052_member_rollup_triggers")]
    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
