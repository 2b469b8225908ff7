from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_concerns_events_reminders")]

    operations = [
        EnableTenantRLS("Concern"),
        EnableTenantRLS("ConcernEvent"),
        EnableTenantRLS("ReminderSent"),
    ]
