"""Who may review (issue 15 item 2): a user with the permission ``quality.review`` (a user's or a group's), or staff."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

REVIEW_PERMISSION = "quality.review"


def can_review(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and (user.is_staff or user.has_perm(REVIEW_PERMISSION))
    )


class IsReviewer(BasePermission):
    message = "reviewing needs the reviewer permission (quality.review)"

    def has_permission(self, request, view) -> bool:
        return can_review(request.user)
