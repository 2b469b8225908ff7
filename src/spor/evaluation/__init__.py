"""Evaluation and economics for Spor: pure computations, no Django.

* :mod:`spor.evaluation.stats`: before/after statistics (paired change, effect sizes, shares with
  Wilson intervals, band transitions, attrition, variation between municipalities, waiting
  times, children per position);
* :mod:`spor.evaluation.disclosure`: pseudonyms and small-cell suppression with secondary
  suppression, for everything that leaves a municipality;
* :mod:`spor.evaluation.economics`: hourly rates, costs per forløb, child and intervention, and
  a simplified investment case in the spirit of Socialstyrelsen's SØM.

Formulas, choices and the honest-figures caveats are in ``docs/evaluation.md``. This package is
not a Django app; the app that stores and shows the figures imports these modules.
"""
