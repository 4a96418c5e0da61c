# Issue 5 (scale): indexes for the queue at HACS size. Additive only: two partial indexes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clips", "0002_clip_learning_round"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="clip",
            index=models.Index(
                condition=models.Q(("is_open", True), ("media_state", "ready")),
                fields=["action_class", "video", "start", "id"],
                name="clip_ready_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(
                condition=models.Q(("released_at__isnull", True), ("submitted_at__isnull", True)),
                fields=["expires_at"],
                name="page_lease_expiry_idx",
            ),
        ),
    ]
