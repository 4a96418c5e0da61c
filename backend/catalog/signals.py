"""Signals the ground floor sends so the apps above can act without catalog importing them (imports point down)."""

from django.dispatch import Signal

# A video was stored (upload, `manage.py ingest`), inside the ingest's transaction. Receiver: mining (mine it, or
# draw its candidate clips when the project does not mine).
video_ingested = Signal()  # kwargs: video, mine (True: mine it whatever the project says; None: as the project says)
