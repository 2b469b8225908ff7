from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases_catalogue_teams_goals_deliveries_timeline")]

    operations = [
        EnableTenantRLS("Intervention"),
        EnableTenantRLS("Case"),
        EnableTenantRLS("CaseMember"),
        EnableTenantRLS("CoordinatorAssignment"),
        EnableTenantRLS("Participant"),
        EnableTenantRLS("Goal"),
        EnableTenantRLS("Meeting"),
        EnableTenantRLS("Delivery"),
        EnableTenantRLS("DeliveryHours"),
        EnableTenantRLS("CaseEvent"),
    ]
