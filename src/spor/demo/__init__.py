"""Synthetic demo data: a development-only app, apart from the production apps.

One module per part of the loop, each with a ``generate(municipality, *, rng, today)``
(``registry`` makes the municipalities, their institutions, groups, children and staff),
and the ``spor_demo`` management command that runs them in the loop's order. The app is in
``INSTALLED_APPS`` only when ``SPOR_DEMO`` is on (by default everywhere but
``SPOR_ENV=production``), so a production installation has neither the command nor the
code loaded; ``spor_demo`` also refuses to run with ``SPOR_ENV=production``.

Where the generators write through the services, and where they bulk-write and why:

* **through the services**: the catalogue (``cases.write_catalogue``: each item through
  ``spor.cases.services.intervention_save`` as the municipality's lead, so its rules hold)
  and the economics scenarios (``spor.economics.services.scenario_save``). They carry no
  history and are few (16 items and a handful of scenarios a municipality), so the service
  costs nothing measurable (below).
* **bulk-written** (``bulk_create``, the rows in the shape the services write; the tests
  in ``tests/demo/`` check them against the services' rules): everything that is history.
  A demo is years of a municipality's work, dated in the past; the services are the
  present: they stamp today and now (``created_at``, ``joined_on``, ``added_on``, the
  timeline's day), refuse a follow-up date before today (``concern_raise``,
  ``goal_add``), write the access log and the notifications as of now, and the ones that
  send a link send an e-mail (``measurement`` requests, ``survey`` rounds). Spor has no
  clock to turn back, and a demo should not fake one. So the registry (children, groups,
  staff: production's path is the set-based ``spor_import``), the screening rounds, the
  concerns and their logs, the cases with their teams, goals, meetings, deliveries and
  timelines, the SDQ requests and responses, the survey rounds and the programme's plans
  are written in bulk. They are also the bulk of the rows: a demo municipality has 4,000
  children and ``make demo`` gives eleven municipalities the whole loop; the benchmarks'
  national set has 1,100,000 children.

Speed (``spor_demo --seed 1 --partners`` on SQLite, 11 municipalities, 8,859 children;
CPU seconds of the command, measured on the busy 2-core development machine, December
2026): before the catalogue went through the service 75.1 s in all — SDQ measurements
33.3 s, cases 15.5 s, screening 10.4 s, the partners' registries 8.3 s, the demo
municipality's registry 3.1 s, economics 1.6 s, programme 1.2 s, concerns 1.2 s, survey
0.2 s; after, 77.1 s in all and cases 15.1 s: the 176 catalogue items through the service
are lost in the noise (the rows are the same but for the order of an item's need areas,
which the service keeps in the catalogue's order). The SDQ responses, deliveries, cases and
concerns are the same row for row.
"""
