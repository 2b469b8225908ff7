import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
application = get_wsgi_application()

# In production, refuse a database role that row-level security does not bind.
from spor.tenancy.checks import refuse_to_start  # noqa: E402

refuse_to_start()

# Last: what startup loaded is kept out of the garbage collector's full collections
# (a 100-300 ms pause in some request otherwise; spor.lib.gcpause).
from spor.lib.gcpause import freeze_startup_heap  # noqa: E402

freeze_startup_heap()
