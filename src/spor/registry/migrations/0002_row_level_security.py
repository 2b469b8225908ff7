from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        EnableTenantRLS("Institution"),
        EnableTenantRLS("Group"),
        EnableTenantRLS("Child"),
        EnableTenantRLS("Enrolment"),
    ]
