from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("sso", "0001_login_brokers_identities_and_log")]

    operations = [
        EnableTenantRLS("OidcProvider"),
        EnableTenantRLS("OidcIdentity"),
        EnableTenantRLS("LoginEvent"),
    ]
