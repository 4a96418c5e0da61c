"""Nothing stored unseen: a submission sooner after its work was shown than a person could have looked at it is
refused (409 "too_early") and stores nothing. The floors (settings SUBMIT_FLOOR_*) are derived in
docs/security.md from measured honest speed; each tool computes its own floor and calls this one check."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from backend.core.errors import ApplicationError


def check_not_too_early(*, shown_at: datetime, floor_seconds: float, what: str, now: datetime | None = None) -> None:
    elapsed = ((now or timezone.now()) - shown_at).total_seconds()
    if elapsed < floor_seconds:
        wait = round(floor_seconds - elapsed, 1)
        raise ApplicationError(
            f"this {what} was on screen for {max(0.0, elapsed):.1f} s: look it over before submitting "
            f"(at least {floor_seconds:.0f} s); nothing was stored",
            code="too_early",
            extra={"retry_after": wait},
        )
