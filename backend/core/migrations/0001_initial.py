# Job moved here from catalog (issue 10). State only: the table keeps its name, catalog_job.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0005_job_to_core_groups_from_quality'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Job',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('kind', models.CharField(max_length=40)),
                        ('state', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'),
                                                            ('done', 'Done'), ('failed', 'Failed')],
                                                   default='queued', max_length=10)),
                        ('stage', models.CharField(blank=True, max_length=60)),
                        ('progress', models.FloatField(default=0.0, help_text='0..1')),
                        ('message', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('video', models.ForeignKey(blank=True, null=True,
                                                    on_delete=django.db.models.deletion.CASCADE,
                                                    related_name='jobs', to='catalog.video')),
                    ],
                    options={'db_table': 'catalog_job', 'ordering': ['-created_at']},
                ),
            ],
            database_operations=[],
        ),
    ]
