"""Member rollups: one combined statement trigger per operation instead of one per rollup and operation.

Generated once from reporting/rollups/member_triggers.py and frozen here (a migration must not change when the
module does; tests/rollups/test_member_triggers.py checks the two still agree). Why (docs/performance.md,
"Import"): an import batch ran six trigger functions per statement, each re-reading the transition table,
re-taking the club's lock and planning its own statements.

The ``*_empty`` partial indexes go. The old cleanup used them (EXPLAIN: Bitmap Index Scan on ..._empty), but
their predicate on ``members_count`` made every count update a non-HOT update writing the wide key index too
(profile's key index held 47,015 entries for 17,786 rows). The combined trigger deletes the rows its upsert
brought to zero by the address the upsert returned, so no index on the count is needed; fillfactor 50 leaves
room on each page for the HOT updates (CLUSTER rewrites the small tables so existing pages get it too).
"""

from django.db import migrations

FORWARD = [
    r"""
DROP TRIGGER reporting_rollup_member_channels_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_channels_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_channels_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_channels_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_channels_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_channels_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_channels SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_channels USING reporting_rollup_member_channels_key
""",
    r"""
DROP TRIGGER reporting_rollup_member_consents_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_consents_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_consents_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_consents_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_consents_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_consents_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_consents SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_consents USING reporting_rollup_member_consents_key
""",
    r"""
DROP TRIGGER reporting_rollup_member_places_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_places_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_places_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_places_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_places_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_places_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_places SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_places USING reporting_rollup_member_places_key
""",
    r"""
DROP TRIGGER reporting_rollup_member_audience_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_audience_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_audience_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_audience_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_audience_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_audience_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_audience SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_audience USING reporting_rollup_member_audience_key
""",
    r"""
DROP TRIGGER reporting_rollup_member_interests_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_interests_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_interests_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_interests_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_interests_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_interests_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_interests SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_interests USING reporting_rollup_member_interests_key
""",
    r"""
DROP TRIGGER reporting_rollup_member_profile_insert ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_profile_update ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_profile_delete ON reporting_member
""",
    r"""
DROP TRIGGER reporting_rollup_member_profile_truncate ON reporting_member
""",
    r"""
DROP FUNCTION reporting_rollup_member_profile_apply()
""",
    r"""
DROP INDEX reporting_rollup_member_profile_empty
""",
    r"""
ALTER TABLE reporting_rollup_member_profile SET (fillfactor = 50)
""",
    r"""
CLUSTER reporting_rollup_member_profile USING reporting_rollup_member_profile_key
""",
    r"""
CREATE FUNCTION reporting_member_rollups_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  applied integer;
  z0 tid[];
  z1 tid[];
  z2 tid[];
  z3 tid[];
  z4 tid[];
  z5 tid[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_channels;
    DELETE FROM reporting_rollup_member_consents;
    DELETE FROM reporting_rollup_member_places;
    DELETE FROM reporting_rollup_member_audience;
    DELETE FROM reporting_rollup_member_interests;
    DELETE FROM reporting_rollup_member_profile;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows) AS x ORDER BY 1) AS d;
    WITH changed AS MATERIALIZED (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows),
g_profile AS MATERIALIZED (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) AS delta FROM changed GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything),
r0 AS (
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, delta FROM g_profile) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r1 AS (
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM changed) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM changed) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r3 AS (
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r4 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
)
    SELECT 1 INTO applied;
  ELSIF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows) AS x ORDER BY 1) AS d;
    WITH changed AS MATERIALIZED (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows),
g_profile AS MATERIALIZED (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) AS delta FROM changed GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything),
r0 AS (
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, delta FROM g_profile) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r1 AS (
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM changed) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM changed) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r3 AS (
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r4 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
)
    SELECT (SELECT array_agg(ctid) FROM r0 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r1 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r2 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r3 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r4 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r5 WHERE members_count = 0)
    INTO z0, z1, z2, z3, z4, z5;
    IF z0 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_channels WHERE ctid = ANY(z0) AND members_count = 0;
    END IF;
    IF z1 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_consents WHERE ctid = ANY(z1) AND members_count = 0;
    END IF;
    IF z2 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_places WHERE ctid = ANY(z2) AND members_count = 0;
    END IF;
    IF z3 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_audience WHERE ctid = ANY(z3) AND members_count = 0;
    END IF;
    IF z4 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests WHERE ctid = ANY(z4) AND members_count = 0;
    END IF;
    IF z5 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_profile WHERE ctid = ANY(z5) AND members_count = 0;
    END IF;
  ELSE
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows) AS x ORDER BY 1) AS d;
    WITH changed AS MATERIALIZED (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows),
g_profile AS MATERIALIZED (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) AS delta FROM changed GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything),
r0 AS (
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, delta FROM g_profile) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r1 AS (
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM changed) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM changed) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r3 AS (
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r4 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
)
    SELECT (SELECT array_agg(ctid) FROM r0 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r1 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r2 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r3 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r4 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r5 WHERE members_count = 0)
    INTO z0, z1, z2, z3, z4, z5;
    IF z0 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_channels WHERE ctid = ANY(z0) AND members_count = 0;
    END IF;
    IF z1 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_consents WHERE ctid = ANY(z1) AND members_count = 0;
    END IF;
    IF z2 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_places WHERE ctid = ANY(z2) AND members_count = 0;
    END IF;
    IF z3 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_audience WHERE ctid = ANY(z3) AND members_count = 0;
    END IF;
    IF z4 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests WHERE ctid = ANY(z4) AND members_count = 0;
    END IF;
    IF z5 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_profile WHERE ctid = ANY(z5) AND members_count = 0;
    END IF;
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_member_rollups_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_member_rollups_apply()
""",
    r"""
CREATE TRIGGER reporting_member_rollups_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_member_rollups_apply()
""",
    r"""
CREATE TRIGGER reporting_member_rollups_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_member_rollups_apply()
""",
    r"""
CREATE TRIGGER reporting_member_rollups_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_member_rollups_apply()
""",
]

REVERSE = [
    r"""
DROP TRIGGER IF EXISTS reporting_member_rollups_insert ON reporting_member
""",
    r"""
DROP TRIGGER IF EXISTS reporting_member_rollups_update ON reporting_member
""",
    r"""
DROP TRIGGER IF EXISTS reporting_member_rollups_delete ON reporting_member
""",
    r"""
DROP TRIGGER IF EXISTS reporting_member_rollups_truncate ON reporting_member
""",
    r"""
DROP FUNCTION IF EXISTS reporting_member_rollups_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_channels RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_channels_empty ON reporting_rollup_member_channels (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_channels_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_channels
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_channels
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_channels;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_channels
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, 1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM new_rows) AS n UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, -1::bigint AS delta FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM old_rows) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_channels_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_channels_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_channels_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_channels_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_consents RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_consents_empty ON reporting_rollup_member_consents (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_consents_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_consents
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_consents
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_consents;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n UNION ALL SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n UNION ALL SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_consents
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, consents, 1::bigint AS delta FROM (SELECT community_id, consents FROM new_rows) AS n UNION ALL SELECT community_id, consents, -1::bigint AS delta FROM (SELECT community_id, consents FROM old_rows) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_consents_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_consents_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_consents_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_consents_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_places RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_places_empty ON reporting_rollup_member_places (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_places_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_places
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_places
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_places;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n UNION ALL SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n UNION ALL SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x
    GROUP BY community_id, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, location_country, city_place_id, place_id
    ON CONFLICT (community_id, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_places
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, location_country, city_place_id, place_id, 1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM new_rows) AS n UNION ALL SELECT community_id, location_country, city_place_id, place_id, -1::bigint AS delta FROM (SELECT community_id, location_country, city_place_id, place_id FROM old_rows) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_places_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_places_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_places_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_places_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_audience RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_audience_empty ON reporting_rollup_member_audience (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_audience_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_audience
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_audience
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_audience;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_audience AS r (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x
    GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_audience
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_audience_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_audience_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_audience_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_audience_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_interests RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_interests_empty ON reporting_rollup_member_interests (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_interests_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_interests
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_interests
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_interests;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n UNION ALL SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n UNION ALL SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_interests
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, interest, 1::bigint AS delta FROM (SELECT new_rows.community_id, u.value AS interest FROM new_rows CROSS JOIN LATERAL unnest(new_rows.interest_set) AS u(value)) AS n UNION ALL SELECT community_id, interest, -1::bigint AS delta FROM (SELECT old_rows.community_id, u.value AS interest FROM old_rows CROSS JOIN LATERAL unnest(old_rows.interest_set) AS u(value)) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_interests_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_interests_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_interests_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_interests_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()
""",
    r"""
ALTER TABLE reporting_rollup_member_profile RESET (fillfactor)
""",
    r"""
CREATE INDEX reporting_rollup_member_profile_empty ON reporting_rollup_member_profile (community_id) WHERE members_count = 0
""",
    r"""
CREATE FUNCTION reporting_rollup_member_profile_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_profile
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n) AS x);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_profile
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x);
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_profile;
  ELSE
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x ORDER BY 1) AS d;
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM reporting_rollup_member_profile
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, 1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM new_rows) AS n UNION ALL SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, -1::bigint AS delta FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM old_rows) AS o) AS x);
  END IF;
  RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER reporting_rollup_member_profile_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_profile_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_profile_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()
""",
    r"""
CREATE TRIGGER reporting_rollup_member_profile_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()
""",
]


class Migration(migrations.Migration):
    dependencies = [("reporting", "0051_cohort_rollups")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]

