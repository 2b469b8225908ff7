"""Retention rules, the deletion job, the archive export, and backup/restore."""
