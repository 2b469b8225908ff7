// A real OpenID Connect provider for Spor's login tests: panva's certified oidc-provider with
// its development login screens (any login name and password are accepted). The login name
// is the account's `sub`; the claims come from the JSON file named by SPOR_OIDC_ACCOUNTS,
// read on every login so that a test can change a person's roles between two logins.
//
//   PORT=4010 SPOR_OIDC_REDIRECT_URI=http://127.0.0.1:8000/log-ind/sso/callback/ \
//   SPOR_OIDC_POST_LOGOUT_URI=http://127.0.0.1:8000/log-ind/ \
//   SPOR_OIDC_ACCOUNTS=accounts.json node provider.js
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 4010);
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  const file = process.env.SPOR_OIDC_ACCOUNTS;
  return file ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.SPOR_OIDC_CLIENT_ID || 'spor',
      client_secret: process.env.SPOR_OIDC_CLIENT_SECRET || 'hemmelig-testnoegle',
      redirect_uris: [process.env.SPOR_OIDC_REDIRECT_URI],
      post_logout_redirect_uris: [process.env.SPOR_OIDC_POST_LOGOUT_URI].filter(Boolean),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Spor must send a PKCE challenge even though it is a confidential client.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  scopes: ['openid', 'profile', 'email', 'spor'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name'],
    email: ['email'],
    spor: ['roles', 'kommune'],
  },
  async findAccount(ctx, sub) {
    const data = accounts()[sub] || {};
    return {
      accountId: sub,
      async claims() {
        return { sub, ...data };
      },
    };
  },
  cookies: { keys: ['spor-test-only-cookie-key'] },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
