// A real OpenID provider for the single sign-on tests: panva's oidc-provider (pinned in
// package-lock.json), started by tests/support/oidc.py on a free port. Not part of the product.
//
// Configured by one JSON argument: {port, issuer, clients: [...], keys: [private JWKs],
// accounts: {sub: claims}}. Any login name is accepted on the provider's own (development) login
// page; the name becomes `sub`, and `accounts[sub]` gives its claims (org_type, staff, email).
// Prints "ready" on stdout once it listens.
import dns from "node:dns";
import Provider from "oidc-provider";

// Tong's test servers listen on 127.0.0.1: the back-channel logout POST to http://localhost:PORT
// must not try ::1 first (Node's fetch gives up there).
dns.setDefaultResultOrder("ipv4first");

const options = JSON.parse(process.argv[2]);

const configuration = {
  clients: options.clients,
  jwks: { keys: options.keys },
  // org_type and staff travel with the openid scope, as the portal's identity team configures them.
  claims: { openid: ["sub", "org_type", "staff"], email: ["email", "email_verified"] },
  // Scope claims go into the ID token itself (Tong reads the kind from it, else from userinfo).
  conformIdTokenClaims: options.conformIdTokenClaims ?? false,
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  ttl: { IdToken: options.idTokenTtl ?? 3600 },
  cookies: { keys: ["tong-test-cookie-key"] },
  // The provider refuses to call loopback addresses (its SSRF guard); Tong under test is on one,
  // so its back-channel logout POSTs go out without that guard here.
  fetch(url, init) {
    const { dispatcher, ...rest } = init;
    return globalThis.fetch(url, rest);
  },
  async findAccount(ctx, id) {
    const extra = (options.accounts || {})[id] || {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...extra };
      },
    };
  },
};

const provider = new Provider(options.issuer, configuration);
provider.proxy = false;
provider.on("server_error", (ctx, err) => console.error("server_error", err));
provider.on("backchannel.error", (ctx, err) => console.error("backchannel.error", err && err.message, err && err.cause && String(err.cause)));
provider.listen(options.port, "127.0.0.1", () => {
  console.log("ready");
});
