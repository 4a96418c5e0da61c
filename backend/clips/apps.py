from django.apps import AppConfig


class ClipsConfig(AppConfig):
    name = "backend.clips"
    label = "clips"
