"""gunicorn settings for the fault tests: one worker, and a pause at a chosen SQL statement.

With ``SPOR_FAULT_SQL`` (a regular expression) set, the worker stops for good right after
the ``SPOR_FAULT_AFTER``-th statement that matches has run (inside the request's
transaction), and first writes ``SPOR_FAULT_MARK``: the test then knows the server is in
the middle of the write, and kills it with SIGKILL.
"""

import os
import re
import time
from pathlib import Path

bind = os.environ["SPOR_FAULT_BIND"]
workers = 1
timeout = 300
accesslog = None
loglevel = "warning"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    pattern = os.environ.get("SPOR_FAULT_SQL")
    if not pattern:
        return
    after = int(os.environ.get("SPOR_FAULT_AFTER", "1"))
    mark = Path(os.environ["SPOR_FAULT_MARK"])
    matcher = re.compile(pattern, re.IGNORECASE)
    seen = [0]

    def pause_mid_write(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if matcher.search(sql):
            seen[0] += 1
            if seen[0] >= after:
                mark.write_text(sql[:300])
                time.sleep(3600)
        return result

    from django.db.backends.signals import connection_created

    def install(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
        if pause_mid_write not in connection.execute_wrappers:
            connection.execute_wrappers.append(pause_mid_write)

    connection_created.connect(install, weak=False)
