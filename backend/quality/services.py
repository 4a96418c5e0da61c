"""Quality writes: clarifications and their acknowledgements. (Send-back lives with the labels it changes.)"""

from django.db import IntegrityError, transaction

from backend.catalog.models import ActionClass, Clarification, ClarificationAck


def clarification_post(*, admin, action_class: ActionClass, text: str) -> Clarification:
    """Add a clarification to a class guideline; every annotator of the class must acknowledge it."""
    text = text.strip()
    if not text:
        raise ValueError("a clarification needs some text")
    return Clarification.objects.create(action_class=action_class, text=text[:5000], author=admin)


def clarification_ack(*, user, clarification: Clarification) -> None:
    try:
        with transaction.atomic():
            ClarificationAck.objects.get_or_create(clarification=clarification, user=user)
    except IntegrityError:  # a double click raced itself: the ack exists, which is all we want
        pass
