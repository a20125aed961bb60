# The database cache (used when REDIS_URL is unset) needs its table; Django creates it only in test databases.
# createcachetable is idempotent and does nothing for a Redis cache, so this is safe in every setup.
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0010_event_age_at_occurrence")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
