from django.core.management.base import BaseCommand, CommandError

from backend.curation.management.commands._common import class_arg, project_arg
from backend.curation.services import SplitsError, splits_make


def ratios_arg(text: str) -> tuple[int, int, int]:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or sum(int(p) for p in parts) == 0:
        raise CommandError(f"--ratios must be three whole numbers train:val:test, like 16:1:3; got {text!r}")
    return tuple(int(p) for p in parts)


class Command(BaseCommand):
    help = (
        "HAA500 class-balanced splits: per class, --per-class curatable clips (positive consensus or segment "
        "clips) from as many different source videos, one clip per video (trimmed first, then the most "
        "human-centric), split train:val:test, no video in two splits. A class with too few videos is refused by "
        "name (videos available vs needed) and nothing is stored. Stores each clip's split."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default=None, help="project id or name (default: the only project)")
        parser.add_argument("--class", dest="action_class", default=None, help="only this class (others keep theirs)")
        parser.add_argument("--per-class", type=int, default=20, help="clips per class (HAA500: 20)")
        parser.add_argument("--ratios", default="16:1:3", help="train:val:test (HAA500: 16:1:3)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--trimmed-only", action="store_true", help="never fall back to untrimmed clips")

    def handle(self, *args, project, action_class, per_class, ratios, seed, trimmed_only, **options):
        if per_class < 1:
            raise CommandError("--per-class must be at least 1")
        try:
            results = splits_make(
                project=project_arg(project),
                action_class=class_arg(action_class),
                per_class=per_class,
                ratios=ratios_arg(ratios),
                seed=seed,
                trimmed_only=trimmed_only,
            )
        except SplitsError as exc:
            raise CommandError(f"no split was stored:\n{exc}") from None
        for r in results:
            source = "trimmed clips" if r.from_trimmed_only else f"trimmed and untrimmed clips ({r.trimmed} trimmed)"
            self.stdout.write(
                f"{r.action_class}: train {r.train}, val {r.val}, test {r.test} from {r.videos} video(s), {source}"
            )
        self.stdout.write(self.style.SUCCESS(f"splits stored for {len(results)} class(es)"))
