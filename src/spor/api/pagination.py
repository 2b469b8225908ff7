from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``?side=2&antal=100``: pages of 50 by default, at most 500."""

    page_query_param = "side"
    page_size_query_param = "antal"
    page_size = 50
    max_page_size = 500
    invalid_page_message = "Siden findes ikke."
