"""`manage.py dedup_external`: remove videos that duplicate another dataset's validation/test videos."""

import json
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from backend.mining.stages import external_dedup


class Command(BaseCommand):
    help = (
        "Remove videos matching another dataset's videos (SLAC §3.4). FEATURES is an .npz with `features` "
        "(N×D mean video features from the same backbone) and `classes` (N class names); MAP is a JSON object "
        "mapping each of its class names to a list of our similar class names."
    )

    def add_arguments(self, parser):
        parser.add_argument("features", type=Path)
        parser.add_argument("mapping", type=Path)
        parser.add_argument("--threshold", type=float, default=None, help="cosine similarity (default 0.935)")

    def handle(self, *args, features, mapping, threshold, **options):
        try:
            data = np.load(features, allow_pickle=False)
            removed = external_dedup(
                features=data["features"].astype(np.float32),
                classes=[str(c) for c in data["classes"]],
                mapping=json.loads(mapping.read_text()),
                threshold=threshold,
            )
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"cannot use {features} / {mapping}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"removed {len(removed)} video(s) as external duplicates"))
