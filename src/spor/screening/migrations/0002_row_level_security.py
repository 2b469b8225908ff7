from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_rounds_assessments_notices_consents")]

    operations = [
        EnableTenantRLS("ScreeningRound"),
        EnableTenantRLS("RoundGroup"),
        EnableTenantRLS("Assessment"),
        EnableTenantRLS("ParentNotice"),
        EnableTenantRLS("Consent"),
    ]
