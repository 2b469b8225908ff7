"""Evaluation and economics for Spor: pure computations, no Django.

* :mod:`spor.evaluation.stats`: before/after statistics (paired change, effect sizes, shares with
  Wilson intervals, band transitions, attrition, variation between municipalities, waiting
  times, children per position);
* :mod:`spor.evaluation.disclosure`: pseudonyms and small-cell suppression with secondary
  suppression, for everything that leaves a municipality;
* :mod:`spor.evaluation.economics`: hourly rates, costs per forløb, child and intervention, and
  a simplified investment case in the spirit of Socialstyrelsen's SØM.

Formulas, choices and the honest-figures caveats are in ``docs/evaluation.md``.

These modules are the pure core: they import no Django. The Django layers sit below them in
this package and import the core, never the other way round:

* :mod:`spor.evaluation.web`: the municipality's evaluation page, its PDF and XLSX reports and
  the one grouped query behind them (the Django app labelled ``evaluation_web``);
* :mod:`spor.evaluation.national`: the programme evaluator's view across municipalities, by
  pseudonym, and its XLSX and CSV exports.
"""
