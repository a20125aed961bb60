"""Retention cohorts rolled up per club, join month, end month and the join's attributes, kept by PostgreSQL in
the transaction of every write to ``reporting_memberevent``.

A membership (reporting/cohorts.py) depends on a member's neighbouring events, so a statement's delta is computed
per touched member: its memberships from its events now (+1) minus those from its events before the statement
(-1), grouped per key. Before reading, the trigger locks one row per touched member in
``reporting_cohortmember``, so a concurrent writer of the same member waits and then sees its events committed;
writers of different members of one club never wait. Additions go to the transaction's slot of the event rollup
(0045), so two importers never wait on one hot row; readers sum over slots. A club's time zone change recomputes
the club. See reporting/rollups/cohorts.py and docs/performance.md ("Cohort rollups").

It also adds ``reporting_eventdailytotal``: the daily event rollup's counts per club, local date and type only,
for the series without a filter on the dimensions (reporting/rollups/events_choice.py).
"""

from django.db import migrations

KEY = "community_id, cohort, ended, optin_channel, optin_subchannel, optin_platform, gender"
EVENT_COLUMNS = "community_id, member_id, type, occurred_at, optin_channel, optin_subchannel, optin_platform, gender"


def _memberships(rows: str, sign: int) -> str:
    """Memberships of the events ``rows`` (a join not preceded by a join; it ends at the first leave after it),
    by local month of the join and of the end in the club's current time zone."""
    return f"""
    SELECT o.community_id, date_trunc('month', o.occurred_at AT TIME ZONE c.timezone)::date AS cohort,
           date_trunc('month', o.ended_at AT TIME ZONE c.timezone)::date AS ended,
           o.optin_channel, o.optin_subchannel, o.optin_platform, o.gender, {sign} AS members
    FROM (
        SELECT e.*, lag(e.type) OVER member_events AS previous_type,
               min(e.occurred_at) FILTER (WHERE e.type = 'out') OVER (
                   member_events ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
               ) AS ended_at
        FROM ({rows}) AS e
        WINDOW member_events AS (PARTITION BY e.community_id, e.member_id ORDER BY e.occurred_at, e.type)
    ) AS o JOIN reporting_community AS c ON c.id = o.community_id
    WHERE o.type = 'in' AND o.previous_type IS DISTINCT FROM 'in'
    """


def _prefixed(columns: str) -> str:
    return ", ".join("e." + c for c in columns.split(", "))


def _apply(touched: str, removed: str | None) -> str:
    """Lock the touched members, then add (memberships now) - (memberships before the statement) to the slot.
    Before = the members' events now, without the rows the statement wrote (``new_events``, when it wrote any),
    plus the rows it removed (``removed``)."""
    wrote = "new_events" in touched
    before = f"SELECT e.id, {EVENT_COLUMNS} FROM current_events AS e"
    if wrote:
        before += " WHERE e.id NOT IN (SELECT id FROM new_events)"
    if removed is not None:
        before += f" UNION ALL SELECT id, {EVENT_COLUMNS} FROM {removed}"
    fresh_events = ""
    if wrote:
        # a member without a row had no event before this statement: its events are the statement's rows
        fresh_events = f"""UNION ALL SELECT e.id, {_prefixed(EVENT_COLUMNS)} FROM new_events AS e
            WHERE (e.community_id, e.member_id) IN (SELECT * FROM unnest(fresh_clubs, fresh_members))"""
    return f"""
    -- One row per member, locked in key order: a writer of the same member waits here. A new member's row is
    -- locked by its insertion; a known member's by FOR UPDATE (no new row version, unlike an upsert).
    WITH touched AS MATERIALIZED (SELECT DISTINCT community_id, member_id FROM ({touched}) AS t),
    inserted AS (
        INSERT INTO reporting_cohortmember (community_id, member_id)
        SELECT * FROM touched ORDER BY 1, 2 ON CONFLICT DO NOTHING
        RETURNING community_id, member_id
    )
    SELECT coalesce(array_agg(community_id), '{{}}'), coalesce(array_agg(member_id), '{{}}'),
           (SELECT count(*) FROM touched)
    INTO fresh_clubs, fresh_members, touched_count FROM inserted;
    -- (a batch of new members only, the usual import, has nothing more to lock)
    IF cardinality(fresh_members) < touched_count THEN
    PERFORM 1 FROM (
        SELECT DISTINCT community_id, member_id FROM ({touched}) AS t ORDER BY 1, 2 OFFSET 0
    ) AS t
    CROSS JOIN LATERAL (
        SELECT 1 FROM reporting_cohortmember AS l
        WHERE l.community_id = t.community_id AND l.member_id = t.member_id AND l.xmin <> pg_current_xact_id()::xid
        FOR UPDATE
    ) AS l;
    END IF;
    WITH known AS (
        SELECT community_id, member_id FROM ({touched}) AS t
        EXCEPT SELECT * FROM unnest(fresh_clubs, fresh_members)
    ),
    current_events AS (
        -- index lookups per known member (OFFSET 0 keeps the planner from hashing the whole event table)
        SELECT e.* FROM known AS t
        CROSS JOIN LATERAL (
            SELECT e.id, {_prefixed(EVENT_COLUMNS)} FROM reporting_memberevent AS e
            WHERE e.community_id = t.community_id AND e.member_id = t.member_id OFFSET 0
        ) AS e
        {fresh_events}
    ),
    delta AS (
        SELECT {KEY}, sum(members) AS members FROM (
            {_memberships("SELECT * FROM current_events", 1)}
            UNION ALL
            {_memberships(before, -1)}
        ) AS m
        GROUP BY {KEY} HAVING sum(members) <> 0
    )
    INSERT INTO reporting_cohortmonthly AS r ({KEY}, slot, members)
    SELECT {KEY}, chosen_slot, members FROM delta ORDER BY {KEY}
    ON CONFLICT ({KEY}, slot) DO UPDATE SET members = r.members + EXCLUDED.members;
    DELETE FROM reporting_cohortmonthly WHERE members = 0 AND slot = chosen_slot;
    """


FUNCTIONS = f"""
CREATE TABLE reporting_cohortmember (
    community_id bigint NOT NULL,
    member_id bigint NOT NULL,
    PRIMARY KEY (community_id, member_id)
);
CREATE TABLE reporting_cohortmonthly (
    id bigserial PRIMARY KEY,
    community_id bigint NOT NULL,
    cohort date NOT NULL,
    ended date,
    optin_channel text,
    optin_subchannel text,
    optin_platform text NOT NULL,
    gender text,
    slot smallint NOT NULL DEFAULT 0,
    -- a slot may hold a negative part of a key's count; the sum over slots is the count
    members bigint NOT NULL,
    CONSTRAINT cohort_monthly_unique_key UNIQUE NULLS NOT DISTINCT ({KEY}, slot)
);
CREATE INDEX cohort_monthly_zero ON reporting_cohortmonthly (slot) WHERE members = 0;

CREATE FUNCTION reporting_cohort_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen_slot smallint := reporting_event_rollup_slot();
    fresh_clubs bigint[];
    fresh_members bigint[];
    touched_count bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply("SELECT community_id, member_id FROM new_events", None)}
    ELSIF TG_OP = 'DELETE' THEN
        {_apply("SELECT community_id, member_id FROM old_events", "old_events")}
    ELSE
        {_apply("SELECT community_id, member_id FROM new_events UNION SELECT community_id, member_id FROM old_events",
                "old_events")}
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION reporting_cohort_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_cohortmonthly;
    DELETE FROM reporting_cohortmember;
    RETURN NULL;
END $$;

-- Join and end months follow the club's time zone: recompute the club from its events.
CREATE FUNCTION reporting_cohort_rollup_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_cohortmonthly WHERE community_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO reporting_cohortmonthly ({KEY}, slot, members)
        SELECT {KEY}, 0, sum(members) FROM (
            {_memberships(f"SELECT {EVENT_COLUMNS} FROM reporting_memberevent WHERE community_id = NEW.id", 1)}
        ) AS m GROUP BY {KEY};
    ELSE
        DELETE FROM reporting_cohortmember WHERE community_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cohort_rollup_insert AFTER INSERT ON reporting_memberevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_cohort_rollup_apply();
CREATE TRIGGER cohort_rollup_delete AFTER DELETE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_cohort_rollup_apply();
CREATE TRIGGER cohort_rollup_update AFTER UPDATE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_cohort_rollup_apply();
CREATE TRIGGER cohort_rollup_truncate AFTER TRUNCATE ON reporting_memberevent
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_cohort_rollup_truncate();
CREATE TRIGGER cohort_rollup_rezone AFTER UPDATE ON reporting_community
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION reporting_cohort_rollup_rezone();
CREATE TRIGGER cohort_rollup_club_deleted AFTER DELETE ON reporting_community
    FOR EACH ROW EXECUTE FUNCTION reporting_cohort_rollup_rezone();

INSERT INTO reporting_cohortmember (community_id, member_id)
SELECT DISTINCT community_id, member_id FROM reporting_memberevent;
INSERT INTO reporting_cohortmonthly ({KEY}, slot, members)
SELECT {KEY}, 0, sum(members) FROM ({_memberships(f"SELECT {EVENT_COLUMNS} FROM reporting_memberevent", 1)}) AS m
GROUP BY {KEY};
ANALYZE reporting_cohortmember;
ANALYZE reporting_cohortmonthly;
"""

REVERSE = """
DROP TRIGGER cohort_rollup_insert ON reporting_memberevent;
DROP TRIGGER cohort_rollup_delete ON reporting_memberevent;
DROP TRIGGER cohort_rollup_update ON reporting_memberevent;
DROP TRIGGER cohort_rollup_truncate ON reporting_memberevent;
DROP TRIGGER cohort_rollup_rezone ON reporting_community;
DROP TRIGGER cohort_rollup_club_deleted ON reporting_community;
DROP FUNCTION reporting_cohort_rollup_apply();
DROP FUNCTION reporting_cohort_rollup_truncate();
DROP FUNCTION reporting_cohort_rollup_rezone();
DROP TABLE reporting_cohortmonthly;
DROP TABLE reporting_cohortmember;
"""


# The daily totals: reporting_eventdailyrollup without its dimension columns, for the unfiltered series (the
# overview's); maintained exactly like it (reporting/rollups/events.py), its slots included.
TOTAL_KEY = "community_id, local_date, type"
_TOTAL_UPSERT = f"ON CONFLICT ({TOTAL_KEY}, slot) DO UPDATE SET events = r.events + EXCLUDED.events"


def _total_apply(rows: str) -> str:
    return f"""
    WITH delta AS (
        SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type,
               sum(e.sign) AS events
        FROM ({rows}) AS e JOIN reporting_community AS c ON c.id = e.community_id
        GROUP BY 1, 2, 3 HAVING sum(e.sign) <> 0
    ),
    added AS (
        INSERT INTO reporting_eventdailytotal AS r ({TOTAL_KEY}, slot, events)
        SELECT {TOTAL_KEY}, chosen_slot, events FROM delta WHERE events > 0 ORDER BY {TOTAL_KEY}
        {_TOTAL_UPSERT}
    ),
    merged AS (
        DELETE FROM reporting_eventdailytotal AS r USING delta AS d
        WHERE d.events < 0 AND r.community_id = d.community_id AND r.local_date = d.local_date AND r.type = d.type
        RETURNING r.community_id, r.local_date, r.type, r.events, d.events AS change
    )
    INSERT INTO reporting_eventdailytotal AS r ({TOTAL_KEY}, slot, events)
    SELECT {TOTAL_KEY}, chosen_slot, sum(events) + min(change) FROM merged
    GROUP BY {TOTAL_KEY} HAVING sum(events) + min(change) > 0 ORDER BY {TOTAL_KEY}
    {_TOTAL_UPSERT};
    """


def _signed(table: str, sign: int) -> str:
    return f"SELECT community_id, occurred_at, type, {sign} AS sign FROM {table}"


TOTALS = f"""
CREATE TABLE reporting_eventdailytotal (
    id bigserial PRIMARY KEY,
    community_id bigint NOT NULL,
    local_date date NOT NULL,
    type text NOT NULL,
    slot smallint NOT NULL DEFAULT 0,
    events bigint NOT NULL CHECK (events > 0),
    CONSTRAINT event_daily_total_unique_key UNIQUE ({TOTAL_KEY}, slot)
);

CREATE FUNCTION reporting_event_total_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen_slot smallint := reporting_event_rollup_slot();
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_total_apply(_signed("new_events", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {_total_apply(_signed("old_events", -1))}
    ELSE
        {_total_apply(_signed("new_events", 1) + " UNION ALL " + _signed("old_events", -1))}
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION reporting_event_total_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_eventdailytotal;
    RETURN NULL;
END $$;

CREATE FUNCTION reporting_event_total_rezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_eventdailytotal WHERE community_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO reporting_eventdailytotal ({TOTAL_KEY}, slot, events)
        SELECT community_id, (occurred_at AT TIME ZONE NEW.timezone)::date, type, 0, count(*)
        FROM reporting_memberevent WHERE community_id = NEW.id GROUP BY 1, 2, 3;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER event_total_insert AFTER INSERT ON reporting_memberevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_total_apply();
CREATE TRIGGER event_total_delete AFTER DELETE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_total_apply();
CREATE TRIGGER event_total_update AFTER UPDATE ON reporting_memberevent
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_total_apply();
CREATE TRIGGER event_total_truncate AFTER TRUNCATE ON reporting_memberevent
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_event_total_truncate();
CREATE TRIGGER event_total_rezone AFTER UPDATE ON reporting_community
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION reporting_event_total_rezone();
CREATE TRIGGER event_total_club_deleted AFTER DELETE ON reporting_community
    FOR EACH ROW EXECUTE FUNCTION reporting_event_total_rezone();

INSERT INTO reporting_eventdailytotal ({TOTAL_KEY}, slot, events)
SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date, e.type, 0, count(*)
FROM reporting_memberevent AS e JOIN reporting_community AS c ON c.id = e.community_id
GROUP BY 1, 2, 3;
ANALYZE reporting_eventdailytotal;
"""

TOTALS_REVERSE = """
DROP TRIGGER event_total_insert ON reporting_memberevent;
DROP TRIGGER event_total_delete ON reporting_memberevent;
DROP TRIGGER event_total_update ON reporting_memberevent;
DROP TRIGGER event_total_truncate ON reporting_memberevent;
DROP TRIGGER event_total_rezone ON reporting_community;
DROP TRIGGER event_total_club_deleted ON reporting_community;
DROP FUNCTION reporting_event_total_apply();
DROP FUNCTION reporting_event_total_truncate();
DROP FUNCTION reporting_event_total_rezone();
DROP TABLE reporting_eventdailytotal;
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0050_segments")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE), migrations.RunSQL(TOTALS, TOTALS_REVERSE)]
