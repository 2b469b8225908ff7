from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    # Membership is not under row-level security: it is read to find out who is acting
    # (and so which municipality to set) before the setting exists. It is scoped in the app.
    operations = [EnableTenantRLS("GroupAssignment")]
