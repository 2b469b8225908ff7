from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("measurement", "0001_sdq_requests_and_responses")]

    operations = [
        EnableTenantRLS("MeasurementRequest"),
        EnableTenantRLS("Response"),
    ]
