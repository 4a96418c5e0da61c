# AnnotatorGroup moved to catalog and GoldAnswer to clips (issue 10: imports point down). State only: the tables
# keep their names (quality_annotatorgroup, quality_goldanswer); the models now live elsewhere.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('quality', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AnnotatorGroup'),
                migrations.DeleteModel(name='GoldAnswer'),
            ],
            database_operations=[],
        ),
    ]
