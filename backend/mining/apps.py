from django.apps import AppConfig


class MiningConfig(AppConfig):
    name = "backend.mining"
    label = "mining"
