"""Small pieces shared by Spor's apps (issue 19), each written once: ids and small numbers
from requests (ids), form fields and the service-error helpers (forms), the redaction of
one-time link tokens in logs (redact), Danish number forms (danish), the geometry of inline
SVG charts (svg), reading uploaded tables (tables), writing XLSX and CSV with the one
formula guard (spreadsheets), the append-only model base (models), and the one-time links'
tokens, look-up and guessing limit (links). Platform level:
imports no Spor app; the pure modules import no Django either."""
