"""Rate-limit buckets skip the write-ahead log: every API request updates one, and after a crash a bucket that
comes back full (PostgreSQL empties unlogged tables on recovery) is the right answer anyway."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_member_interest_set")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE reporting_ratelimitbucket SET UNLOGGED",
            "ALTER TABLE reporting_ratelimitbucket SET LOGGED",
        )
    ]
