"""Daily join/leave rollups in each club's local date, kept by PostgreSQL in the transaction of every write.

One statement-level trigger per operation on ``reporting_memberevent`` turns the statement's transition tables
into a set-based delta per (club, local date, type, channel, subchannel, platform, gender): positive deltas are
added to the writer's slot, negative ones merge every slot of the key into one row (so no row ever holds 0 or
less). A club's time zone change recomputes that club; a deleted club loses its rows. See
reporting/rollups/events.py and docs/performance.md ("Daily event rollups").

The SQL is literal, frozen from what this module generated (from a key list, with f-strings) when it was
written, so that no edit here or in reporting/rollups/events.py changes what the migration does to a database
that runs it. tests/rollups/test_frozen_migration.py checks the catalog it leaves.
"""

from django.db import migrations, models

EVENT_ROLLUP_CREATE = """
-- The slot of this transaction: the first of eight that no other open transaction holds (a transaction-level
-- advisory lock), remembered for the rest of the transaction. Two importers of one club then never wait on each
-- other's rows of today; a ninth shares a slot and waits.
CREATE FUNCTION reporting_event_rollup_slot() RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
    remembered text := current_setting('reporting.event_rollup_slot', true);
    candidate integer;
BEGIN
    IF remembered IS NOT NULL AND remembered <> '' THEN
        RETURN remembered::smallint;
    END IF;
    FOR candidate IN 0..7 LOOP
        IF pg_try_advisory_xact_lock(7301045, candidate) THEN
            PERFORM set_config('reporting.event_rollup_slot', candidate::text, true);
            RETURN candidate;
        END IF;
    END LOOP;
    candidate := (txid_current() % 8)::integer;
    PERFORM set_config('reporting.event_rollup_slot', candidate::text, true);
    RETURN candidate;
END $$;

CREATE FUNCTION reporting_event_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen_slot smallint := reporting_event_rollup_slot();
BEGIN
    IF TG_OP = 'INSERT' THEN
        
    WITH delta AS (
        SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type,
               e.optin_channel, e.optin_subchannel, e.optin_platform, e.gender, sum(e.sign) AS events
        FROM (SELECT community_id, occurred_at, type, optin_channel, optin_subchannel, optin_platform, gender, 1 AS sign FROM new_events) AS e JOIN reporting_community AS c ON c.id = e.community_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(e.sign) <> 0
    ),
    added AS (
        INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
        SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, events FROM delta WHERE events > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
        ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events
    ),
    merged AS (
        DELETE FROM reporting_eventdailyrollup AS r USING delta AS d
        WHERE d.events < 0 AND r.community_id = d.community_id AND r.local_date = d.local_date AND r.type = d.type AND r.optin_platform = d.optin_platform AND r.optin_channel IS NOT DISTINCT FROM d.optin_channel AND r.optin_subchannel IS NOT DISTINCT FROM d.optin_subchannel AND r.gender IS NOT DISTINCT FROM d.gender
        RETURNING r.community_id, r.local_date, r.type, r.optin_channel, r.optin_subchannel, r.optin_platform, r.gender, r.events, d.events AS change
    )
    INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
    SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, sum(events) + min(change) FROM merged
    GROUP BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender HAVING sum(events) + min(change) > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
    ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events;
    
    ELSIF TG_OP = 'DELETE' THEN
        
    WITH delta AS (
        SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type,
               e.optin_channel, e.optin_subchannel, e.optin_platform, e.gender, sum(e.sign) AS events
        FROM (SELECT community_id, occurred_at, type, optin_channel, optin_subchannel, optin_platform, gender, -1 AS sign FROM old_events) AS e JOIN reporting_community AS c ON c.id = e.community_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(e.sign) <> 0
    ),
    added AS (
        INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
        SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, events FROM delta WHERE events > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
        ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events
    ),
    merged AS (
        DELETE FROM reporting_eventdailyrollup AS r USING delta AS d
        WHERE d.events < 0 AND r.community_id = d.community_id AND r.local_date = d.local_date AND r.type = d.type AND r.optin_platform = d.optin_platform AND r.optin_channel IS NOT DISTINCT FROM d.optin_channel AND r.optin_subchannel IS NOT DISTINCT FROM d.optin_subchannel AND r.gender IS NOT DISTINCT FROM d.gender
        RETURNING r.community_id, r.local_date, r.type, r.optin_channel, r.optin_subchannel, r.optin_platform, r.gender, r.events, d.events AS change
    )
    INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
    SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, sum(events) + min(change) FROM merged
    GROUP BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender HAVING sum(events) + min(change) > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
    ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events;
    
    ELSE
        
    WITH delta AS (
        SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type,
               e.optin_channel, e.optin_subchannel, e.optin_platform, e.gender, sum(e.sign) AS events
        FROM (SELECT community_id, occurred_at, type, optin_channel, optin_subchannel, optin_platform, gender, 1 AS sign FROM new_events UNION ALL SELECT community_id, occurred_at, type, optin_channel, optin_subchannel, optin_platform, gender, -1 AS sign FROM old_events) AS e JOIN reporting_community AS c ON c.id = e.community_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(e.sign) <> 0
    ),
    added AS (
        INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
        SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, events FROM delta WHERE events > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
        ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events
    ),
    merged AS (
        DELETE FROM reporting_eventdailyrollup AS r USING delta AS d
        WHERE d.events < 0 AND r.community_id = d.community_id AND r.local_date = d.local_date AND r.type = d.type AND r.optin_platform = d.optin_platform AND r.optin_channel IS NOT DISTINCT FROM d.optin_channel AND r.optin_subchannel IS NOT DISTINCT FROM d.optin_subchannel AND r.gender IS NOT DISTINCT FROM d.gender
        RETURNING r.community_id, r.local_date, r.type, r.optin_channel, r.optin_subchannel, r.optin_platform, r.gender, r.events, d.events AS change
    )
    INSERT INTO reporting_eventdailyrollup AS r (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
    SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, chosen_slot, sum(events) + min(change) FROM merged
    GROUP BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender HAVING sum(events) + min(change) > 0 ORDER BY community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender
    ON CONFLICT (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot) DO UPDATE SET events = r.events + EXCLUDED.events;
    
    END IF;
    RETURN NULL;
END $$;

-- DELETE, not TRUNCATE: a TRUNCATE naming both tables (Django's flush) has the rollup open already.
CREATE FUNCTION reporting_event_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_eventdailyrollup;
    RETURN NULL;
END $$;

-- A club's local dates follow its time zone: recompute the club from its events.
CREATE FUNCTION reporting_event_rollup_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_eventdailyrollup WHERE community_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO reporting_eventdailyrollup (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
        SELECT community_id, (occurred_at AT TIME ZONE NEW.timezone)::date, type, optin_channel, optin_subchannel,
               optin_platform, gender, 0, count(*)
        FROM reporting_memberevent WHERE community_id = NEW.id
        GROUP BY 1, 2, 3, 4, 5, 6, 7;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER event_rollup_insert AFTER INSERT ON reporting_memberevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_rollup_apply();
CREATE TRIGGER event_rollup_delete AFTER DELETE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_rollup_apply();
CREATE TRIGGER event_rollup_update AFTER UPDATE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_rollup_apply();
CREATE TRIGGER event_rollup_truncate AFTER TRUNCATE ON reporting_memberevent
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_rollup_truncate();
CREATE TRIGGER event_rollup_rezone AFTER UPDATE ON reporting_community
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION reporting_event_rollup_rezone();
CREATE TRIGGER event_rollup_club_deleted AFTER DELETE ON reporting_community
    FOR EACH ROW EXECUTE FUNCTION reporting_event_rollup_rezone();

INSERT INTO reporting_eventdailyrollup (community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender, slot, events)
SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date, e.type, e.optin_channel, e.optin_subchannel,
       e.optin_platform, e.gender, 0, count(*)
FROM reporting_memberevent AS e JOIN reporting_community AS c ON c.id = e.community_id
GROUP BY 1, 2, 3, 4, 5, 6, 7;
ANALYZE reporting_eventdailyrollup;
"""

EVENT_ROLLUP_DROP = """
DROP TRIGGER event_rollup_insert ON reporting_memberevent;
DROP TRIGGER event_rollup_delete ON reporting_memberevent;
DROP TRIGGER event_rollup_update ON reporting_memberevent;
DROP TRIGGER event_rollup_truncate ON reporting_memberevent;
DROP TRIGGER event_rollup_rezone ON reporting_community;
DROP TRIGGER event_rollup_club_deleted ON reporting_community;
DROP FUNCTION reporting_event_rollup_apply();
DROP FUNCTION reporting_event_rollup_truncate();
DROP FUNCTION reporting_event_rollup_rezone();
DROP FUNCTION reporting_event_rollup_slot();
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0040_member_rollups")]

    operations = [
        migrations.CreateModel(
            name="EventDailyRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("community_id", models.BigIntegerField()),
                ("local_date", models.DateField()),
                ("type", models.TextField(choices=[("in", "in"), ("out", "out")])),
                ("optin_channel", models.TextField(null=True)),
                ("optin_subchannel", models.TextField(null=True)),
                ("optin_platform", models.TextField()),
                ("gender", models.TextField(null=True)),
                ("slot", models.SmallIntegerField(default=0)),
                ("events", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "community_id", "local_date", "type", "optin_channel", "optin_subchannel",
                            "optin_platform", "gender", "slot",
                        ),
                        name="event_daily_unique_key",
                        nulls_distinct=False,
                    ),
                    models.CheckConstraint(condition=models.Q(events__gt=0), name="event_daily_events_gt_0"),
                ],
            },  # fmt: skip
        ),
        migrations.RunSQL(EVENT_ROLLUP_CREATE, EVENT_ROLLUP_DROP),
    ]
