from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("evaluation_web", "0001_report_jobs")]

    operations = [EnableTenantRLS("ReportJob")]
