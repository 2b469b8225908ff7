from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("orgsync", "0001_external_units_persons_job_functions_imports")]

    operations = [
        EnableTenantRLS("ExternalUnit"),
        EnableTenantRLS("ExternalPerson"),
        EnableTenantRLS("JobFunctionMapping"),
        EnableTenantRLS("OrgImport"),
    ]
