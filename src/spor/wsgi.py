import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
application = get_wsgi_application()

# In production, refuse a database role that row-level security does not bind.
from spor.tenancy.checks import refuse_to_start  # noqa: E402

refuse_to_start()
