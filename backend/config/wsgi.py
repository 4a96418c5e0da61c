import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
application = get_wsgi_application()
logging.getLogger("actionloom.settings").info(settings.CONFIGURATION_SUMMARY)
