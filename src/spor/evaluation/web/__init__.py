"""The municipality's evaluation page (issue 7, part 2): SDQ before and after, cut by
intervention, type, level, target, age group, informant and period. The figures come from the
pure modules in :mod:`spor.evaluation`; this app reads the responses and shows them."""
