from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("economics", "0001_hourly_rates_costs_investment_scenarios")]

    operations = [
        EnableTenantRLS("HourlyRate"),
        EnableTenantRLS("InterventionCost"),
        EnableTenantRLS("InvestmentScenario"),
    ]
