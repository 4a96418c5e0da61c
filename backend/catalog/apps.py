from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "backend.catalog"
    label = "catalog"

    def ready(self) -> None:
        from backend.config.celery import ensure_embedded_broker

        ensure_embedded_broker()
