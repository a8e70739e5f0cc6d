// oauth.mjs: interop of rensei-oauth (EdDSA mode) with real clients.
//
// oauth4webapi discovers the server through RFC 8414 metadata, performs the
// client-credentials grant with client_secret_basic and client_secret_post,
// introspects, and validates the access token as an RFC 9068 JWT against the
// published JWKS; jose (createRemoteJWKSet + jwtVerify) verifies it too.
// Negative cases must fail the way the libraries report errors.
//
// Environment: RENSEI_BASE_URL (the issuer, http on loopback), CLIENT_ID,
// CLIENT_SECRET, ORG_ID.  Prints TAP-like lines; exits 1 when a check fails.
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';

const base = process.env.RENSEI_BASE_URL;
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const orgId = process.env.ORG_ID;
const insecure = { [oauth.allowInsecureRequests]: true };   // http://127.0.0.1 only

let n = 0;
let failed = 0;
function ok(cond, desc, detail) {
  n += 1;
  if (cond) {
    console.log(`ok ${n} - ${desc}`);
  } else {
    failed += 1;
    console.log(`not ok ${n} - ${desc}`);
    if (detail !== undefined) console.log(`#   ${String(detail).slice(0, 500)}`);
  }
}
async function step(desc, fn) {
  try {
    return await fn();
  } catch (e) {
    ok(false, desc, `${e?.name}: ${e?.message} ${e?.code ?? ''} ${JSON.stringify(e?.cause ?? '')}`);
    return undefined;
  }
}
async function rejects(desc, fn, check) {
  try {
    await fn();
    ok(false, desc, 'did not throw');
  } catch (e) {
    ok(await check(e), desc, `${e?.name}: ${e?.message} ${e?.code ?? ''}`);
  }
}

if (!base || !clientId || !clientSecret || !orgId) {
  console.log('not ok 1 - environment: RENSEI_BASE_URL, CLIENT_ID, CLIENT_SECRET, ORG_ID');
  process.exit(1);
}
const issuer = new URL(base);
const client = { client_id: clientId };

// 1. RFC 8414 discovery.
const as = await step('discovery', async () => {
  const resp = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
  return oauth.processDiscoveryResponse(issuer, resp);
});
ok(as?.issuer === base, 'metadata issuer is the base URL', as?.issuer);
ok(as?.token_endpoint === `${base}/api/oauth/token`, 'token_endpoint', as?.token_endpoint);
ok(as?.jwks_uri === `${base}/.well-known/jwks.json`, 'jwks_uri', as?.jwks_uri);
if (!as) process.exit(1);

// 2. Client credentials, client_secret_basic.
async function grant(auth, params) {
  const resp = await oauth.clientCredentialsGrantRequest(as, client, auth,
    new URLSearchParams(params), insecure);
  return oauth.processClientCredentialsResponse(as, client, resp);
}
const basic = await step('client_credentials with client_secret_basic',
  () => grant(oauth.ClientSecretBasic(clientSecret), { scope: 'workers:read sessions:read' }));
ok(typeof basic?.access_token === 'string', 'basic: access_token');
ok(basic?.token_type === 'bearer', 'basic: token_type Bearer', basic?.token_type);
ok(basic?.expires_in === 3600, 'basic: expires_in', basic?.expires_in);
ok(basic?.scope === 'workers:read sessions:read', 'basic: scope', basic?.scope);
ok(basic?.refresh_token === undefined, 'basic: no refresh token');

// 3. Client credentials, client_secret_post.
const post = await step('client_credentials with client_secret_post',
  () => grant(oauth.ClientSecretPost(clientSecret), {}));
ok(typeof post?.access_token === 'string', 'post: access_token');
ok(post?.scope === 'workers:read sessions:read', 'post: scope = the client\'s scopes', post?.scope);

// 4. RFC 9068 validation against the published JWKS.
const token = basic?.access_token ?? '';
const claims = await step('validateJwtAccessToken (RFC 9068, JWKS)', () =>
  oauth.validateJwtAccessToken(as,
    new Request(`${base}/api/workers`, { headers: { authorization: `Bearer ${token}` } }),
    'rensei-api', insecure));
ok(claims?.client_id === clientId && claims?.sub === clientId, 'RFC 9068: client_id and sub', JSON.stringify(claims));
ok(claims?.iss === base && claims?.aud === 'rensei-api', 'RFC 9068: iss and aud');
ok(claims?.org_id === orgId, 'RFC 9068: org_id');
const postClaims = await step('validateJwtAccessToken of the post token', () =>
  oauth.validateJwtAccessToken(as,
    new Request(`${base}/api/workers`, { headers: { authorization: `Bearer ${post?.access_token}` } }),
    'rensei-api', insecure));
ok(postClaims?.client_id === clientId, 'post token validates');

// 5. jose with the remote JWKS.
const jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
const verified = await step('jose jwtVerify with createRemoteJWKSet', () =>
  jose.jwtVerify(token, jwks, { issuer: base, audience: 'rensei-api', typ: 'at+jwt', algorithms: ['EdDSA'] }));
ok(verified?.protectedHeader?.alg === 'EdDSA', 'jose: alg EdDSA');
ok(typeof verified?.protectedHeader?.kid === 'string', 'jose: kid present');
ok(JSON.stringify(verified?.payload?.scopes) === '["workers:read","sessions:read"]', 'jose: scopes claim', JSON.stringify(verified?.payload));

// 6. The token works on a route that accepts M2M JWTs.
const r = await step('GET /api/workers with the token', () =>
  fetch(`${base}/api/workers`, { headers: { authorization: `Bearer ${token}` } }));
ok(r?.status === 200, 'GET /api/workers: 200', r?.status);

// 7. Introspection (RFC 7662) through oauth4webapi.
const intro = await step('introspection', async () => {
  const resp = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(clientSecret), token, insecure);
  return oauth.processIntrospectionResponse(as, client, resp);
});
ok(intro?.active === true && intro?.client_id === clientId, 'introspection: active', JSON.stringify(intro));

// 8. Failures are failures.
const [h, p, s] = token.split('.');
const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
const tampered = `${h}.${p}.${flipped}`;
await rejects('validateJwtAccessToken rejects a tampered signature',
  () => oauth.validateJwtAccessToken(as,
    new Request(`${base}/api/workers`, { headers: { authorization: `Bearer ${tampered}` } }),
    'rensei-api', insecure), (e) => e instanceof oauth.OperationProcessingError || e instanceof Error);
await rejects('jose rejects a tampered signature',
  () => jose.jwtVerify(tampered, jwks, { issuer: base, audience: 'rensei-api' }),
  (e) => e?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
await rejects('jose rejects another audience',
  () => jose.jwtVerify(token, jwks, { issuer: base, audience: 'someone-else' }),
  (e) => e?.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED');
// Every 401 carries WWW-Authenticate: Basic (05-oauth.md §1.5), which
// oauth4webapi surfaces as a challenge error holding the response.
await rejects('wrong secret: 401 Basic challenge with invalid_client',
  () => grant(oauth.ClientSecretBasic('m2ms_wrong'), {}),
  async (e) => e instanceof oauth.WWWAuthenticateChallengeError && e.status === 401 &&
    e.cause?.[0]?.scheme === 'basic' && e.cause?.[0]?.parameters?.realm === 'rensei' &&
    (await e.response.json()).error === 'invalid_client');
await rejects('scope the client lacks: invalid_scope',
  () => grant(oauth.ClientSecretPost(clientSecret), { scope: 'sessions:write' }),
  (e) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_scope' && e.status === 400);

console.log(`# ${n - failed} passed, ${failed} failed`);
process.exit(failed === 0 && n > 0 ? 0 : 1);
