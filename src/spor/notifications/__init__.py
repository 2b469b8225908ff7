"""The notification centre and each user's choice of what arrives by e-mail."""
