"""Synthetic demo data: a development-only app, apart from the production apps.

One module per part of the loop, each with a ``generate(municipality, *, rng, today)``
(``registry`` makes the municipalities, their institutions, groups, children and staff),
and the ``spor_demo`` management command that runs them in the loop's order. The app is in
``INSTALLED_APPS`` only when ``SPOR_DEMO`` is on (by default everywhere but
``SPOR_ENV=production``), so a production installation has neither the command nor the
code loaded; ``spor_demo`` also refuses to run with ``SPOR_ENV=production``.

Where the generators write: ``economics`` saves its scenarios through
``spor.economics.services``; the others write the registry, screening rounds, concerns,
cases, measurements, programme and survey rows with ``bulk_create`` (a demo municipality
has 4,000 children and ``make demo`` gives eleven municipalities the whole loop; the
benchmarks' national set has 1,100,000 children), which one service call per row would make
minutes or hours slower. Their rows are the same shape the services write, and the tests in
``tests/*/test_demo.py`` check them against the services' rules.
"""
