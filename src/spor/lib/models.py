"""Model bases shared by Spor's apps. Abstract: they add no table and change no migration."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AppendOnlyModel(models.Model):
    """Rows are added, never changed or deleted through the ORM (a log, a timeline). On
    PostgreSQL the access log has a trigger behind this too (audit's migrations).

    ``append_only_noun`` names the log in the messages ("Tidslinjen kan kun tilføjes, ikke
    ændres."); ``append_only_error`` is the exception raised."""

    append_only_noun = "Loggen"
    append_only_error: type[Exception] = PermissionError

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise self.append_only_error(f"{self.append_only_noun} kan kun tilføjes, ikke ændres.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.append_only_error(f"{self.append_only_noun} kan kun tilføjes, ikke slettes.")
