from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_notifications_and_email_preferences")]

    operations = [
        EnableTenantRLS("Notification"),
        EnableTenantRLS("EmailPreference"),
    ]
