"""Signals mining sends so the apps above can act on its results without mining importing them."""

from django.dispatch import Signal

# New frame classifiers were trained and the unlabelled videos re-sampled (an active-learning round). Receiver:
# segments (re-score the timeline's suggestions with the new models).
classifiers_retrained = Signal()
