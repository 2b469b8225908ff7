from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("survey", "0001_anonymous_staff_survey")]

    operations = [
        EnableTenantRLS("SurveyRound"),
        EnableTenantRLS("SurveyInvitation"),
        EnableTenantRLS("SurveyAnswerSet"),
        EnableTenantRLS("BenchmarkSelfAssessment"),
    ]
