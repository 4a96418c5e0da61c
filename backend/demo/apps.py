from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo`: a demo project across every app (so it sits on top, beside exports and config)."""

    name = "backend.demo"
    label = "demo"
