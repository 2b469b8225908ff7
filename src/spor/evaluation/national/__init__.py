"""The programme evaluator's view (issue 7, part 3): the evaluation's figures across a
programme's participating municipalities, by pseudonym, and their exports.

Layered on :mod:`spor.evaluation.web` (the municipality's reads and figures) and the pure
core (:mod:`spor.evaluation.stats`, :mod:`spor.evaluation.disclosure`); the models it reads
(programmes, participations, evaluators) are the programme app's. Not a Django app: the
URLs sit under ``/partnerskab/<programme_id>/evaluering/`` (``spor.programme.urls``)."""
