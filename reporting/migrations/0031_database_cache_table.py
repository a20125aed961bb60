"""The database cache's table, so that the cache works without Redis (settings: CACHES without REDIS_URL).

Login throttling keeps its counters in the cache; nothing created this table before (`createcachetable` was never
run), so the database cache failed at its first use. The same columns and index as `createcachetable`.
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS django_cache (
    cache_key varchar(255) NOT NULL PRIMARY KEY,
    value text NOT NULL,
    expires timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS django_cache_expires ON django_cache (expires);
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0030_club_scoped_tombstones")]

    operations = [migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS django_cache")]
