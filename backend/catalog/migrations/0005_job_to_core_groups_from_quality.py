# Job moved to core; AnnotatorGroup moved here from quality (issue 10). State only: tables keep their names.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_class_setup'),
        ('quality', '0002_groups_to_catalog_gold_to_clips'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Job'),
                migrations.CreateModel(
                    name='AnnotatorGroup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('classes', models.ManyToManyField(blank=True, related_name='annotator_groups',
                                                           to='catalog.actionclass')),
                        ('members', models.ManyToManyField(blank=True, related_name='annotator_groups',
                                                           to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                      related_name='groups', to='catalog.project')),
                    ],
                    options={
                        'db_table': 'quality_annotatorgroup',
                        'constraints': [models.UniqueConstraint(fields=('project', 'name'), name='group_name_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
