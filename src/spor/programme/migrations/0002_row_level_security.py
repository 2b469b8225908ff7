from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("programme", "0001_programmes_pejlemaerker_plans_initiatives")]

    operations = [
        EnableTenantRLS("ProgrammeParticipation"),
        EnableTenantRLS("DevelopmentPlan"),
        EnableTenantRLS("Initiative"),
        EnableTenantRLS("InitiativeBenchmark"),
        EnableTenantRLS("InitiativeIntervention"),
        EnableTenantRLS("Milestone"),
    ]
