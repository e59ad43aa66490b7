// A certified OpenID provider for the interoperability tests, configured from the
// environment: OP_PORT, OP_ISSUER, OP_ALG (RS256 or ES256), OP_CLIENTS and OP_ACCOUNTS
// (JSON), OP_ID_TOKEN_CLAIMS=1 to put profile claims in the ID token too (otherwise
// they come from userinfo only, the OpenID Connect default for the code flow).
import { generateKeyPairSync } from "node:crypto";

import Provider from "oidc-provider";

const alg = process.env.OP_ALG || "RS256";
const pair =
  alg === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...pair.privateKey.export({ format: "jwk" }), alg, use: "sig" };
jwk.kid = `${alg}-${Date.now()}`;

const accounts = JSON.parse(process.env.OP_ACCOUNTS || "{}");
const profile = ["district", "birth_year", "birthdate", "ci"];

const provider = new Provider(process.env.OP_ISSUER, {
  clients: JSON.parse(process.env.OP_CLIENTS || "[]"),
  jwks: { keys: [jwk] },
  claims: { openid: ["sub"], profile },
  conformIdTokenClaims: process.env.OP_ID_TOKEN_CLAIMS !== "1",
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(accounts[id] || {}) };
      },
    };
  },
  // Consent is the provider's business, not the app's: grant what the client asks.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile");
    await grant.save();
    return grant;
  },
});

provider.listen(Number(process.env.OP_PORT), "127.0.0.1", () => {
  console.log(`listening ${process.env.OP_ISSUER}`);
});
