"""Index audit (issue 13): no index of the project's tables is already covered by another index's leading columns.

A B-tree on (a) is redundant beside one on (a, b, …) with no WHERE clause: every lookup by `a` can use the longer
one, while each extra index costs every insert (9 → 43 s for the 1.55M HACS clips, docs/benchmarks_scale.md). Django
adds an index per ForeignKey; where a composite index or unique constraint leads with the key, the model says
``db_index=False``. Read from the migrated database (SQLite or PostgreSQL), so a migration that brings one back fails.
Left aside: unique indexes (they enforce a rule), partial ones (they cover only their rows), PostgreSQL's `_like`
twins (another operator class, for LIKE 'x%'), and the tables Django creates for many-to-many fields.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("core", "catalog", "clips", "mining", "segments", "quality", "curation", "exports")


def _partial_names(model) -> set[str]:
    return {
        item.name
        for item in [*model._meta.indexes, *model._meta.constraints]
        if getattr(item, "condition", None) is not None
    }


def covered_indexes() -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for app in PROJECT_APPS:
            for model in apps.get_app_config(app).get_models():
                constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
                partial = _partial_names(model)
                plain = {  # lookups by these columns' prefixes need nothing else
                    name: c["columns"]
                    for name, c in constraints.items()
                    if (c["index"] or c["unique"] or c["primary_key"]) and name not in partial and c["columns"]
                }
                for name, c in constraints.items():
                    if not c["index"] or c["unique"] or name in partial or name.endswith("_like"):
                        continue
                    for other, columns in plain.items():
                        if other != name and columns[: len(c["columns"])] == c["columns"]:
                            found.append(f"{model._meta.db_table}.{name} {c['columns']} is a prefix of {other}")
    return found


def test_no_index_is_a_prefix_of_another():
    assert covered_indexes() == []


def test_the_audit_sees_a_covered_index():
    # given an index on clips_clip (video_id), which clip_unique_span (video_id, action_class_id, …) covers
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX audit_probe_idx ON clips_clip (video_id)")
    # then the audit names it
    assert any("audit_probe_idx" in found and "clip_unique_span" in found for found in covered_indexes())
