"""REST API for the loop's data: scoped tokens per municipality and integration."""
