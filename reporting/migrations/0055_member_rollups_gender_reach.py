"""Three more member rollups, keyed by gender and reachability with the cities, the consents and the interests: the
overview drilled by a click on the gender or the reachability chart is answered from rollups instead of the members
(0.6 s at 552,730 members before; docs/performance.md, "Drill-downs by gender and reachability").

Generated once from reporting/rollups/members.py and reporting/rollups/member_triggers.py and frozen here (a
migration must not change when the modules do; tests/rollups/test_member_triggers.py checks the combined trigger
still agrees). Writers of the member table wait from the lock (``SHARE ROW EXCLUSIVE``, as creating a trigger
takes; readers do not wait) until the new tables are filled and the combined trigger's function, replaced in place,
keeps them, so no write falls between the fill and the trigger. ``consents`` and ``places`` are now summed from the
new, finer rollups' grouped deltas.
"""

from django.db import migrations

FORWARD = [
    r"""
LOCK TABLE reporting_member IN SHARE ROW EXCLUSIVE MODE
""",
    r"""
CREATE TABLE reporting_rollup_member_consents_gender_reach (community_id bigint NOT NULL, gender text, marketing_via_sms boolean, marketing_via_email boolean, marketing_via_push boolean, marketing_via_anything boolean, consents jsonb, members_count bigint NOT NULL) WITH (fillfactor = 50)
""",
    r"""
CREATE UNIQUE INDEX reporting_rollup_member_consents_gender_reach_key ON reporting_rollup_member_consents_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents) NULLS NOT DISTINCT
""",
    r"""
INSERT INTO reporting_rollup_member_consents_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, members_count) SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, count(*) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents FROM reporting_member) AS r GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents
""",
    r"""
CREATE TABLE reporting_rollup_member_places_gender_reach (community_id bigint NOT NULL, gender text, marketing_via_sms boolean, marketing_via_email boolean, marketing_via_push boolean, marketing_via_anything boolean, location_country varchar(2), city_place_id text, place_id text, members_count bigint NOT NULL) WITH (fillfactor = 50)
""",
    r"""
CREATE UNIQUE INDEX reporting_rollup_member_places_gender_reach_key ON reporting_rollup_member_places_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id) NULLS NOT DISTINCT
""",
    r"""
INSERT INTO reporting_rollup_member_places_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, members_count) SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, count(*) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id FROM reporting_member) AS r GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id
""",
    r"""
CREATE TABLE reporting_rollup_member_interests_gender_reach (community_id bigint NOT NULL, gender text, marketing_via_sms boolean, marketing_via_email boolean, marketing_via_push boolean, marketing_via_anything boolean, interest text, members_count bigint NOT NULL) WITH (fillfactor = 50)
""",
    r"""
CREATE UNIQUE INDEX reporting_rollup_member_interests_gender_reach_key ON reporting_rollup_member_interests_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest) NULLS NOT DISTINCT
""",
    r"""
INSERT INTO reporting_rollup_member_interests_gender_reach (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, members_count) SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, count(*) FROM (SELECT reporting_member.community_id, reporting_member.gender, reporting_member.marketing_via_sms, reporting_member.marketing_via_email, reporting_member.marketing_via_push, reporting_member.marketing_via_anything, u.value AS interest FROM reporting_member CROSS JOIN LATERAL unnest(reporting_member.interest_set) AS u(value)) AS r GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest
""",
    r"""
CREATE OR REPLACE FUNCTION reporting_member_rollups_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  applied integer;
  z0 tid[];
  z1 tid[];
  z2 tid[];
  z3 tid[];
  z4 tid[];
  z5 tid[];
  z6 tid[];
  z7 tid[];
  z8 tid[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM reporting_rollup_member_channels;
    DELETE FROM reporting_rollup_member_consents;
    DELETE FROM reporting_rollup_member_places;
    DELETE FROM reporting_rollup_member_audience;
    DELETE FROM reporting_rollup_member_consents_gender_reach;
    DELETE FROM reporting_rollup_member_places_gender_reach;
    DELETE FROM reporting_rollup_member_interests;
    DELETE FROM reporting_rollup_member_interests_gender_reach;
    DELETE FROM reporting_rollup_member_profile;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows) AS x ORDER BY 1) AS d;
    WITH changed AS MATERIALIZED (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows),
g_consents_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents),
g_places_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id),
g_profile AS MATERIALIZED (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) AS delta FROM changed GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything),
r0 AS (
    INSERT INTO reporting_rollup_member_channels AS r (community_id, optin_channel, optin_subchannel, optin_platform, members_count)
    SELECT community_id, optin_channel, optin_subchannel, optin_platform, sum(delta) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, delta FROM g_profile) AS x
    GROUP BY community_id, optin_channel, optin_subchannel, optin_platform HAVING sum(delta) <> 0 ORDER BY community_id, optin_channel, optin_subchannel, optin_platform
    ON CONFLICT (community_id, optin_channel, optin_subchannel, optin_platform) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r1 AS (
    INSERT INTO reporting_rollup_member_consents AS r (community_id, consents, members_count)
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
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
    INSERT INTO reporting_rollup_member_consents_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_places_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r6 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r7 AS (
    INSERT INTO reporting_rollup_member_interests_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, sum(delta) FROM (SELECT changed.community_id, changed.gender, changed.marketing_via_sms, changed.marketing_via_email, changed.marketing_via_push, changed.marketing_via_anything, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
),
r8 AS (
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
g_consents_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents),
g_places_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id),
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
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
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
    INSERT INTO reporting_rollup_member_consents_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_places_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r6 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r7 AS (
    INSERT INTO reporting_rollup_member_interests_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, sum(delta) FROM (SELECT changed.community_id, changed.gender, changed.marketing_via_sms, changed.marketing_via_email, changed.marketing_via_push, changed.marketing_via_anything, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r8 AS (
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
)
    SELECT (SELECT array_agg(ctid) FROM r0 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r1 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r2 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r3 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r4 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r5 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r6 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r7 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r8 WHERE members_count = 0)
    INTO z0, z1, z2, z3, z4, z5, z6, z7, z8;
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
      DELETE FROM reporting_rollup_member_consents_gender_reach WHERE ctid = ANY(z4) AND members_count = 0;
    END IF;
    IF z5 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_places_gender_reach WHERE ctid = ANY(z5) AND members_count = 0;
    END IF;
    IF z6 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests WHERE ctid = ANY(z6) AND members_count = 0;
    END IF;
    IF z7 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests_gender_reach WHERE ctid = ANY(z7) AND members_count = 0;
    END IF;
    IF z8 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_profile WHERE ctid = ANY(z8) AND members_count = 0;
    END IF;
  ELSE
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(74201, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows) AS x ORDER BY 1) AS d;
    WITH changed AS MATERIALIZED (SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, 1::integer AS delta FROM new_rows UNION ALL SELECT community_id, optin_channel, optin_subchannel, optin_platform, consents, location_country, city_place_id, place_id, gender, age, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest_set, -1::integer AS delta FROM old_rows),
g_consents_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents),
g_places_gender_reach AS MATERIALIZED (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) AS delta FROM changed GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id),
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
    SELECT community_id, consents, sum(delta) FROM (SELECT community_id, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, consents HAVING sum(delta) <> 0 ORDER BY community_id, consents
    ON CONFLICT (community_id, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r2 AS (
    INSERT INTO reporting_rollup_member_places AS r (community_id, location_country, city_place_id, place_id, members_count)
    SELECT community_id, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
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
    INSERT INTO reporting_rollup_member_consents_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents, delta FROM g_consents_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, consents) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r5 AS (
    INSERT INTO reporting_rollup_member_places_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, sum(delta) FROM (SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id, delta FROM g_places_gender_reach) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, location_country, city_place_id, place_id) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r6 AS (
    INSERT INTO reporting_rollup_member_interests AS r (community_id, interest, members_count)
    SELECT community_id, interest, sum(delta) FROM (SELECT changed.community_id, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, interest HAVING sum(delta) <> 0 ORDER BY community_id, interest
    ON CONFLICT (community_id, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r7 AS (
    INSERT INTO reporting_rollup_member_interests_gender_reach AS r (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, members_count)
    SELECT community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest, sum(delta) FROM (SELECT changed.community_id, changed.gender, changed.marketing_via_sms, changed.marketing_via_email, changed.marketing_via_push, changed.marketing_via_anything, u.value AS interest, delta FROM changed CROSS JOIN LATERAL unnest(changed.interest_set) AS u(value)) AS x
    GROUP BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest HAVING sum(delta) <> 0 ORDER BY community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest
    ON CONFLICT (community_id, gender, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, interest) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
),
r8 AS (
    INSERT INTO reporting_rollup_member_profile AS r (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count)
    SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, sum(delta) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, delta FROM g_profile) AS x
    GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything HAVING sum(delta) <> 0 ORDER BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything
    ON CONFLICT (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count
    RETURNING ctid, members_count
)
    SELECT (SELECT array_agg(ctid) FROM r0 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r1 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r2 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r3 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r4 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r5 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r6 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r7 WHERE members_count = 0), (SELECT array_agg(ctid) FROM r8 WHERE members_count = 0)
    INTO z0, z1, z2, z3, z4, z5, z6, z7, z8;
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
      DELETE FROM reporting_rollup_member_consents_gender_reach WHERE ctid = ANY(z4) AND members_count = 0;
    END IF;
    IF z5 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_places_gender_reach WHERE ctid = ANY(z5) AND members_count = 0;
    END IF;
    IF z6 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests WHERE ctid = ANY(z6) AND members_count = 0;
    END IF;
    IF z7 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_interests_gender_reach WHERE ctid = ANY(z7) AND members_count = 0;
    END IF;
    IF z8 IS NOT NULL THEN
      DELETE FROM reporting_rollup_member_profile WHERE ctid = ANY(z8) AND members_count = 0;
    END IF;
  END IF;
  RETURN NULL;
END $$
""",
]

REVERSE = [
    r"""
LOCK TABLE reporting_member IN SHARE ROW EXCLUSIVE MODE
""",
    r"""
CREATE OR REPLACE FUNCTION reporting_member_rollups_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TABLE reporting_rollup_member_consents_gender_reach
""",
    r"""
DROP TABLE reporting_rollup_member_places_gender_reach
""",
    r"""
DROP TABLE reporting_rollup_member_interests_gender_reach
""",
]


class Migration(migrations.Migration):
    dependencies = [("reporting", "0054_audit_segment_updated")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
