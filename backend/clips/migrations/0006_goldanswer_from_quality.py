# GoldAnswer moved here from quality (issue 10). State only: the table keeps its name, quality_goldanswer.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clips", "0005_alter_clip_method"),
        ("quality", "0002_groups_to_catalog_gold_to_clips"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="GoldAnswer",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("value", models.SmallIntegerField(choices=[(1, "positive"), (-1, "negative")])),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "author",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "clip",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="gold", to="clips.clip"
                            ),
                        ),
                    ],
                    options={"db_table": "quality_goldanswer"},
                ),
            ],
            database_operations=[],
        ),
    ]
