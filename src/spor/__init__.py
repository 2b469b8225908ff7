"""Spor: PPR's early and preventive work, from screening to evaluation."""
