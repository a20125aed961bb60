"""Member rollups (docs/performance.md, "Rollups"): six tables of member counts per community and a few member
columns, their unique keys, the statement triggers on ``reporting_member`` that keep them exact in the writer's
transaction, and their first fill from the member table as it is.

The SQL is literal, frozen from what reporting/rollups/members.py generated when this migration was written: a
later change to that module (or a later migration replacing these triggers) must not change what this migration
does to a database that runs it. tests/rollups/test_frozen_migration.py checks the catalog it leaves.
"""

from django.db import migrations

MEMBER_ROLLUP_CREATE = [
    "CREATE TABLE reporting_rollup_member_channels (community_id bigint NOT NULL, optin_channel text, optin_subchannel text, optin_platform text, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_channels_key ON reporting_rollup_member_channels (community_id, optin_channel, optin_subchannel, optin_platform) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_channels_empty ON reporting_rollup_member_channels (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_channels_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()",
    "CREATE TRIGGER reporting_rollup_member_channels_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()",
    "CREATE TRIGGER reporting_rollup_member_channels_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()",
    "CREATE TRIGGER reporting_rollup_member_channels_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_channels_apply()",
    "INSERT INTO reporting_rollup_member_channels (community_id, optin_channel, optin_subchannel, optin_platform, members_count) SELECT community_id, optin_channel, optin_subchannel, optin_platform, count(*) FROM (SELECT community_id, optin_channel, optin_subchannel, optin_platform FROM reporting_member) AS r GROUP BY community_id, optin_channel, optin_subchannel, optin_platform",
    "CREATE TABLE reporting_rollup_member_consents (community_id bigint NOT NULL, consents jsonb, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_consents_key ON reporting_rollup_member_consents (community_id, consents) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_consents_empty ON reporting_rollup_member_consents (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_consents_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()",
    "CREATE TRIGGER reporting_rollup_member_consents_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()",
    "CREATE TRIGGER reporting_rollup_member_consents_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()",
    "CREATE TRIGGER reporting_rollup_member_consents_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_consents_apply()",
    "INSERT INTO reporting_rollup_member_consents (community_id, consents, members_count) SELECT community_id, consents, count(*) FROM (SELECT community_id, consents FROM reporting_member) AS r GROUP BY community_id, consents",
    "CREATE TABLE reporting_rollup_member_places (community_id bigint NOT NULL, location_country varchar(2), city_place_id text, place_id text, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_places_key ON reporting_rollup_member_places (community_id, location_country, city_place_id, place_id) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_places_empty ON reporting_rollup_member_places (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_places_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()",
    "CREATE TRIGGER reporting_rollup_member_places_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()",
    "CREATE TRIGGER reporting_rollup_member_places_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()",
    "CREATE TRIGGER reporting_rollup_member_places_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_places_apply()",
    "INSERT INTO reporting_rollup_member_places (community_id, location_country, city_place_id, place_id, members_count) SELECT community_id, location_country, city_place_id, place_id, count(*) FROM (SELECT community_id, location_country, city_place_id, place_id FROM reporting_member) AS r GROUP BY community_id, location_country, city_place_id, place_id",
    "CREATE TABLE reporting_rollup_member_audience (community_id bigint NOT NULL, gender text, age text, optin_platform text, marketing_via_sms boolean, marketing_via_email boolean, marketing_via_push boolean, marketing_via_anything boolean, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_audience_key ON reporting_rollup_member_audience (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_audience_empty ON reporting_rollup_member_audience (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_audience_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()",
    "CREATE TRIGGER reporting_rollup_member_audience_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()",
    "CREATE TRIGGER reporting_rollup_member_audience_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()",
    "CREATE TRIGGER reporting_rollup_member_audience_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_audience_apply()",
    "INSERT INTO reporting_rollup_member_audience (community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count) SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, count(*) FROM (SELECT community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM reporting_member) AS r GROUP BY community_id, gender, age, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything",
    "CREATE TABLE reporting_rollup_member_interests (community_id bigint NOT NULL, interest text, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_interests_key ON reporting_rollup_member_interests (community_id, interest) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_interests_empty ON reporting_rollup_member_interests (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_interests_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()",
    "CREATE TRIGGER reporting_rollup_member_interests_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()",
    "CREATE TRIGGER reporting_rollup_member_interests_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()",
    "CREATE TRIGGER reporting_rollup_member_interests_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_interests_apply()",
    "INSERT INTO reporting_rollup_member_interests (community_id, interest, members_count) SELECT community_id, interest, count(*) FROM (SELECT reporting_member.community_id, u.value AS interest FROM reporting_member CROSS JOIN LATERAL unnest(reporting_member.interest_set) AS u(value)) AS r GROUP BY community_id, interest",
    "CREATE TABLE reporting_rollup_member_profile (community_id bigint NOT NULL, gender text, age text, optin_channel text, optin_subchannel text, optin_platform text, marketing_via_sms boolean, marketing_via_email boolean, marketing_via_push boolean, marketing_via_anything boolean, members_count bigint NOT NULL)",
    "CREATE UNIQUE INDEX reporting_rollup_member_profile_key ON reporting_rollup_member_profile (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything) NULLS NOT DISTINCT",
    "CREATE INDEX reporting_rollup_member_profile_empty ON reporting_rollup_member_profile (community_id) WHERE members_count = 0",
    """
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
END $$""",
    "CREATE TRIGGER reporting_rollup_member_profile_insert AFTER INSERT ON reporting_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()",
    "CREATE TRIGGER reporting_rollup_member_profile_update AFTER UPDATE ON reporting_member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()",
    "CREATE TRIGGER reporting_rollup_member_profile_delete AFTER DELETE ON reporting_member REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()",
    "CREATE TRIGGER reporting_rollup_member_profile_truncate AFTER TRUNCATE ON reporting_member FOR EACH STATEMENT EXECUTE FUNCTION reporting_rollup_member_profile_apply()",
    "INSERT INTO reporting_rollup_member_profile (community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, members_count) SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything, count(*) FROM (SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything FROM reporting_member) AS r GROUP BY community_id, gender, age, optin_channel, optin_subchannel, optin_platform, marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything",
]

MEMBER_ROLLUP_DROP = [
    "DROP TRIGGER IF EXISTS reporting_rollup_member_channels_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_channels_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_channels_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_channels_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_channels",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_channels_apply()",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_consents_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_consents_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_consents_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_consents_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_consents",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_consents_apply()",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_places_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_places_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_places_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_places_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_places",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_places_apply()",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_audience_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_audience_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_audience_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_audience_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_audience",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_audience_apply()",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_interests_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_interests_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_interests_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_interests_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_interests",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_interests_apply()",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_profile_insert ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_profile_update ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_profile_delete ON reporting_member",
    "DROP TRIGGER IF EXISTS reporting_rollup_member_profile_truncate ON reporting_member",
    "DROP TABLE IF EXISTS reporting_rollup_member_profile",
    "DROP FUNCTION IF EXISTS reporting_rollup_member_profile_apply()",
]


class Migration(migrations.Migration):
    dependencies = [("reporting", "0032_audit_log_and_token_lifecycle")]

    operations = [migrations.RunSQL(MEMBER_ROLLUP_CREATE, reverse_sql=MEMBER_ROLLUP_DROP)]
