from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "backend.segments"
    label = "segments"
    verbose_name = "Segments (timeline tool)"
