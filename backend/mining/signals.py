"""Signals mining sends so the apps above can act on its results without mining importing them."""

from django.dispatch import Signal

# New frame classifiers were trained and the unlabelled videos re-sampled (an active-learning round). Receiver:
# segments (re-score the timeline's suggestions with the new models).
classifiers_retrained = Signal()

# A video was removed (a duplicate, no person, an external duplicate, an admin), inside the removal's transaction,
# after its clips were retired. Receiver: segments (retire the video's timeline task).
video_removed = Signal()  # kwargs: video, reason
