"""Load GeoNames countries and cities into Place (reporting-api.md §10); migrate is all a new install needs."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from reporting.places import place_rows

    place = apps.get_model("reporting", "Place")
    place.objects.bulk_create((place(**row) for row in place_rows()), batch_size=5000, ignore_conflicts=True)


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("reporting", "Place").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_sql_functions")]
    operations = [migrations.RunPython(load, unload)]
