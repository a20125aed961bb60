"""Count snapshots per community x grouping, every 15 minutes (reporting-api.md §5.3, §5.5; docs/snapshots.md).

The unique constraint treats NULL grouping values as equal (PostgreSQL 15 ``NULLS NOT DISTINCT``), so the
``total`` row of a period is unique too and ``ON CONFLICT`` sees it; it is also the index of timeseries reads.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0010_event_age_at_occurrence"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberCountSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "grouping_type",
                    models.TextField(
                        choices=[
                            ("total", "total"),
                            ("optin_channel", "optin_channel"),
                            ("optin_subchannel", "optin_subchannel"),
                            ("optin_platform", "optin_platform"),
                            ("gender", "gender"),
                            ("age", "age"),
                            ("location_country", "location_country"),
                            ("marketing_via_sms", "marketing_via_sms"),
                            ("marketing_via_email", "marketing_via_email"),
                            ("marketing_via_push", "marketing_via_push"),
                            ("marketing_via_anything", "marketing_via_anything"),
                        ]
                    ),
                ),
                ("grouping_value", models.TextField(null=True)),
                ("members_count", models.BigIntegerField()),
                ("taken_at", models.DateTimeField()),
                ("changed_at", models.DateTimeField()),
                (
                    "community",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reporting.community",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["community", "-taken_at"], name="snapshot_community_taken_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("community", "grouping_type", "grouping_value", "taken_at"),
                        name="snapshot_unique_period_value",
                        nulls_distinct=False,
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "grouping_type__in",
                                (
                                    "total",
                                    "optin_channel",
                                    "optin_subchannel",
                                    "optin_platform",
                                    "gender",
                                    "age",
                                    "location_country",
                                    "marketing_via_sms",
                                    "marketing_via_email",
                                    "marketing_via_push",
                                    "marketing_via_anything",
                                ),
                            )
                        ),
                        name="membercountsnapshot_grouping_type_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("members_count__gte", 0)), name="snapshot_members_count_gte_0"
                    ),
                ],
            },
        ),
    ]
