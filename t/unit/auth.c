/*
 * t/unit/auth.c -- lib/auth.c: the credential resolver of 01-auth.md.
 *
 * One table walks the policies lib/auth.h models (§15) against every
 * credential kind and failure column (U1-U7, F2-F6): each row is one
 * cmocka test named for its case, run through auth_resolve() with a fresh
 * request and response, and compared on status, exact body,
 * WWW-Authenticate (§1.2), Deprecation (§7), the cookie clearing (§9.2)
 * and, on success, the principal of §3.  Smaller tests cover the scope and
 * role helpers, Bearer parsing (§1.1), the CSRF rule (§9.4) and the
 * once-a-minute usage stamps (§4.5 step 6, §9.2).
 *
 * Fixtures live in a fresh data dir (secrets, database) made by the group
 * setup and removed by the group teardown.  The clock is pinned to T0.
 */
#include "config.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "cred.h"
#include "crypto.h"
#include "http.h"
#include "jwt.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "tenancy.h"

#define T0      1777658400000LL       /* pinned clock, Unix ms */
#define T0S     (T0 / 1000)
#define LEGACY_KEY "legacy-worker.key.0123456789abcdefghijkl"   /* 40 chars */

/* --------------------------------------------------- expected answers */

#define B_U1 "{\"error\":\"Unauthorized\",\"message\":\"Invalid or missing API key\"}"
#define B_U2 "{\"error\":\"Unauthorized\",\"message\":\"Runtime token expired\"}"
#define B_U3 "{\"error\":\"Unauthorized\",\"message\":\"Invalid runtime token\"}"
#define B_U4 "{\"error\":\"Unauthorized\",\"message\":\"Access token expired\"}"
#define B_U5 "{\"error\":\"Unauthorized\",\"message\":\"Invalid access token\"}"
#define B_U6 "{\"error\":\"Unauthorized\",\"message\":\"Authentication required\"}"
#define B_U7 "{\"error\":\"Unauthorized\",\"message\":\"Session cookie required\"}"
#define B_F2(s) "{\"error\":\"Forbidden\",\"message\":\"Missing required scope: " s "\"}"
#define B_F4 "{\"error\":\"Forbidden\",\"message\":\"Cross-origin request rejected\"}"
#define B_F5 "{\"error\":\"Forbidden\",\"message\":\"Requires system scope\"}"
#define B_F6 "{\"error\":\"Forbidden\",\"message\":\"No active organization\"}"
/* 10-scim.md §4 member order: schemas, status, detail. */
#define B_SCIM "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"]," \
	"\"status\":\"401\",\"detail\":\"Invalid or missing SCIM token\"}"

#define WWW_PLAIN "Bearer realm=\"rensei\""
#define WWW_TOKEN "Bearer realm=\"rensei\", error=\"invalid_token\""
#define CLEAR_COOKIE "rensei_session=; Path=/; HttpOnly; SameSite=Lax; " \
	"Max-Age=0; Secure"

/* 401 without / with a rejected Bearer token, and the 403s. */
#define FAIL(b)     .status = 401, .body = (b), .www = WWW_PLAIN
#define REJECT(b)   .status = 401, .body = (b), .www = WWW_TOKEN
#define FORBID(b)   .status = 403, .body = (b)
#define SCIM_FAIL   .status = 401, .body = B_SCIM, .scim = 1, .www = WWW_PLAIN
#define SCIM_REJECT .status = 401, .body = B_SCIM, .scim = 1, .www = WWW_TOKEN

/* Success: principal type, credential kind, org placeholder, role,
 * scope bits, number of projects (0: projectIds null), log label. */
#define OK(t, k, o, r, sc, np, lbl) .status = 0, .type = (t), .kind = (k), \
	.org = (o), .role = (r), .scopes = (sc), .nprojects = (np), .label = (lbl)

#define ALL_WORKER3 (SCOPE(SC_WORKER_POLL) | SCOPE(SC_WORKER_HEARTBEAT) | \
	SCOPE(SC_WORKER_SESSION))
#define STAR SCOPE(SC_ALL)

struct row {
	const char        *name;
	struct auth_policy pol;
	const char        *method;       /* NULL: GET */
	const char        *authz;        /* Authorization value; $NAME expands */
	const char        *cookie;       /* rensei_session value */
	const char        *origin, *referer;
	int                status;       /* 0: resolved */
	const char        *body;
	const char        *www;          /* NULL: no WWW-Authenticate */
	int                scim;         /* application/scim+json */
	int                deprecation;  /* Deprecation: true */
	int                clears_cookie;
	enum principal_type type;
	enum cred_kind     kind;
	const char        *org;          /* placeholder; NULL: null org */
	enum role          role;
	uint32_t           scopes;
	int                nprojects;
	const char        *proj0;        /* placeholder of project_ids[0] */
	const char        *label;        /* auth_principal_label() */
	const char        *key_type;
	int                platform_admin;
};

/* ------------------------------------------------------------ policies */

/* Console read route: Bearer (K, J), then C; sessions:read; org needed. */
#define P_CONSOLE { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG, \
	SCOPE(SC_SESSIONS_READ), SC_SESSIONS_READ }
/* Identity (/api/cli/whoami): any valid principal. */
#define P_IDENT { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG, 0, SC_ALL }
/* A cookie-or-Bearer route that takes K but not J. */
#define P_NO_M2M { AUTH_BEARER_OR_COOKIE, AUTH_NEED_ORG, 0, SC_ALL }
/* Public session-activities: runtime JWT accepted too. */
#define P_RUNTIME_OK { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | \
	AUTH_ALLOW_RUNTIME | AUTH_NEED_ORG, 0, SC_ALL }
/* Org people: org-wide K holding "*", then C. */
#define P_PEOPLE { AUTH_BEARER_OR_COOKIE, AUTH_ORGWIDE_STAR_KEY | \
	AUTH_NEED_ORG, 0, SC_ALL }
/* Org keys: K, J (org_keys:write), system key, then C. */
#define P_ORG_KEYS { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | \
	AUTH_ALLOW_SYSTEM_KEY | AUTH_NEED_ORG, SCOPE(SC_ORG_KEYS_WRITE), \
	SC_ORG_KEYS_WRITE }
/* Platform admin. */
#define P_ADMIN { AUTH_BEARER_OR_COOKIE, AUTH_NEED_SYSTEM, 0, SC_SYSTEM }
#define P_ADMIN_ORGREQ { AUTH_BEARER_OR_COOKIE, AUTH_NEED_SYSTEM | \
	AUTH_NEED_ORG, 0, SC_SYSTEM }
/* Admin, org-scoped: system K or org-wide "*" K, then C. */
#define P_ADMIN_ORG { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_SYSTEM_KEY | \
	AUTH_ORGWIDE_STAR_KEY | AUTH_NEED_ORG, 0, SC_ALL }
/* Cookie-only org route, and /api/auth/me (no org needed). */
#define P_COOKIE { AUTH_COOKIE_ONLY, AUTH_NEED_ORG, 0, SC_ALL }
#define P_COOKIE_ME { AUTH_COOKIE_ONLY, 0, 0, SC_ALL }
/* Worker protocol: poll, register (onboarding), refresh-token. */
#define P_POLL { AUTH_WORKER, 0, SCOPE(SC_WORKER_POLL), SC_WORKER_POLL }
#define P_WORKERS_READ { AUTH_WORKER, 0, SCOPE(SC_WORKERS_READ), SC_WORKERS_READ }
#define P_REGISTER { AUTH_WORKER, AUTH_ONBOARDING, SCOPE(SC_WORKER_REGISTER), \
	SC_WORKER_REGISTER }
#define P_REFRESH { AUTH_WORKER, AUTH_RUNTIME_GRACE, \
	SCOPE(SC_WORKER_REGISTER), SC_WORKER_REGISTER }
/* /api/daemon/credentials/snapshot. */
#define P_DAEMON { AUTH_DAEMON_CREDS, 0, SCOPE(SC_WORKER_SESSION), \
	SC_WORKER_SESSION }
#define P_SCIM { AUTH_SCIM, 0, 0, SC_ALL }
/* MCP: Bearer (K, J) only, never the cookie. */
#define P_MCP { AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NO_COOKIE, \
	SCOPE(SC_WORKER_SESSION) | SCOPE(SC_SESSIONS_WRITE) | \
	SCOPE(SC_SESSIONS_READ), SC_WORKER_SESSION }

#define ORIGIN_OK "https://rensei.example.com"

static const struct row rows[] = {
	/* ------------- AUTH_BEARER_OR_COOKIE: no credential, API keys (K) */
	{ "boc: no credential -> U6", P_CONSOLE, .method = "GET", FAIL(B_U6) },
	{ "mcp: no credential -> U1", P_MCP, .method = "POST", FAIL(B_U1) },
	{ "mcp: cookie only -> U1 (cookie never read)", P_MCP, .method = "POST",
	  .cookie = "$C_OWNER", .origin = ORIGIN_OK, FAIL(B_U1) },
	{ "mcp: org-wide * key -> ok", P_MCP, .method = "POST",
	  .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID"),
	  .key_type = "user" },
	{ "boc: org-wide * key of owner -> api_key, owner, org A", P_CONSOLE,
	  .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID"),
	  .key_type = "user" },
	{ "boc: sessions:read key -> ok", P_CONSOLE, .authz = "Bearer $K_READ",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER,
	  SCOPE(SC_SESSIONS_READ), 0, "$K_READ_ID") },
	{ "boc: member's key -> role member", P_CONSOLE,
	  .authz = "Bearer $K_MEMBER",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_MEMBER,
	  SCOPE(SC_SESSIONS_READ) | SCOPE(SC_SESSIONS_WRITE), 0, "$K_MEMBER_ID") },
	{ "boc: CLI-minted key (createdBy null) -> role admin", P_CONSOLE,
	  .authz = "Bearer $K_CLI",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_ADMIN, STAR, 0, "$K_CLI_ID") },
	{ "boc: key of org B -> org B", P_CONSOLE, .authz = "Bearer $K_B",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_B", ROLE_OWNER, STAR, 0, "$K_B_ID") },
	{ "boc: project-scoped worker key -> projectIds [P1]", P_IDENT,
	  .authz = "Bearer $K_PROJ",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, SCOPES_WORKER, 1,
	  "$K_PROJ_ID"), .proj0 = "$P1" },
	{ "boc: worker_registration key -> role null", P_IDENT,
	  .authz = "Bearer $K_WREG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_NONE, SCOPES_WORKER, 0,
	  "$K_WREG_ID"), .key_type = "worker_registration" },
	{ "boc: project worker key lacks sessions:read -> F2", P_CONSOLE,
	  .authz = "Bearer $K_PROJ", FORBID(B_F2("sessions:read")) },
	{ "boc: worker_registration key on sessions:read -> F2", P_CONSOLE,
	  .authz = "Bearer $K_WREG", FORBID(B_F2("sessions:read")) },
	{ "boc: revoked key -> U1", P_CONSOLE, .authz = "Bearer $K_REVOKED",
	  REJECT(B_U1) },
	{ "boc: expired key -> U1", P_CONSOLE, .authz = "Bearer $K_EXPIRED",
	  REJECT(B_U1) },
	{ "boc: key with expiresAt == now -> U1", P_CONSOLE,
	  .authz = "Bearer $K_EXPNOW", REJECT(B_U1) },
	{ "boc: key of offboarded creator -> U1", P_CONSOLE,
	  .authz = "Bearer $K_OFFBOARD", REJECT(B_U1) },
	{ "boc: worker_registration key of offboarded creator -> ok (§4.5 "
	  "step 4 is for user keys)", P_IDENT, .authz = "Bearer $K_WREG_OFF",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_NONE, SCOPES_WORKER, 0,
	  "$K_WREG_OFF_ID") },
	{ "boc: key whose org no longer exists -> U1", P_CONSOLE,
	  .authz = "Bearer $K_GONE", REJECT(B_U1) },
	{ "boc: unknown well-formed key -> U1", P_CONSOLE,
	  .authz = "Bearer $K_UNKNOWN", REJECT(B_U1) },
	{ "boc: real key in uppercase hex -> U1", P_CONSOLE,
	  .authz = "Bearer $K_UPPER", REJECT(B_U1) },
	{ "boc: rsk_test_ key -> U1", P_CONSOLE, .authz = "Bearer $K_TEST",
	  REJECT(B_U1) },
	{ "boc: key with 65 hex -> U1", P_CONSOLE, .authz = "Bearer $K_ORG0",
	  REJECT(B_U1) },
	{ "boc: system key without ALLOW_SYSTEM_KEY -> F2", P_CONSOLE,
	  .authz = "Bearer $K_SYS", FORBID(B_F2("sessions:read")) },
	{ "boc: dmk_ machine token -> U1", P_CONSOLE,
	  .authz = "Bearer dmk_0123456789abcdef", REJECT(B_U1) },
	/* ------------------------------------- other kinds on this group */
	{ "boc: registration token not accepted -> U1", P_CONSOLE,
	  .authz = "Bearer $R_VALID", REJECT(B_U1) },
	{ "boc: SCIM token not accepted -> U1", P_CONSOLE,
	  .authz = "Bearer $S_VALID", REJECT(B_U1) },
	{ "boc: legacy key outside worker routes -> U1 (no Deprecation)",
	  P_CONSOLE, .authz = "Bearer " LEGACY_KEY, REJECT(B_U1) },
	{ "boc: opaque garbage -> U1", P_CONSOLE, .authz = "Bearer garbage",
	  REJECT(B_U1) },
	{ "boc: stub. token outside worker routes -> U1", P_CONSOLE,
	  .authz = "Bearer stub.offline", REJECT(B_U1) },
	{ "boc: runtime JWT not accepted -> U5", P_CONSOLE,
	  .authz = "Bearer $RT_VALID", REJECT(B_U5) },
	{ "boc: runtime JWT with ALLOW_RUNTIME -> worker", P_RUNTIME_OK,
	  .authz = "Bearer $RT_VALID",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE, ALL_WORKER3, 1,
	  "$WKR"), .proj0 = "$P1" },
	{ "boc: expired runtime JWT with ALLOW_RUNTIME -> U2", P_RUNTIME_OK,
	  .authz = "Bearer $RT_EXPIRED", REJECT(B_U2) },
	/* ------------------------------------------------- M2M JWTs (J) */
	{ "boc: M2M JWT -> m2m, role null, projectIds null", P_CONSOLE,
	  .authz = "Bearer $J_VALID",
	  OK(PT_M2M, CK_M2M_JWT, "$ORG_A", ROLE_NONE,
	  SCOPE(SC_SESSIONS_READ) | SCOPE(SC_WORKER_POLL), 0, "$MC_ID") },
	{ "boc: expired M2M JWT -> U4", P_CONSOLE, .authz = "Bearer $J_EXPIRED",
	  REJECT(B_U4) },
	{ "boc: M2M JWT with a bad signature -> U5", P_CONSOLE,
	  .authz = "Bearer $J_BADSIG", REJECT(B_U5) },
	{ "boc: M2M JWT of a revoked client -> U5", P_CONSOLE,
	  .authz = "Bearer $J_REVOKED", REJECT(B_U5) },
	{ "boc: M2M JWT naming another org than its client's -> U5", P_CONSOLE,
	  .authz = "Bearer $J_WRONGORG", REJECT(B_U5) },
	{ "boc: M2M JWT of an unknown client -> U5", P_CONSOLE,
	  .authz = "Bearer $J_UNKNOWN", REJECT(B_U5) },
	{ "boc: M2M JWT without ALLOW_M2M -> U5", P_NO_M2M,
	  .authz = "Bearer $J_VALID", REJECT(B_U5) },
	{ "boc: M2M JWT lacking org_keys:write -> F2", P_ORG_KEYS,
	  .authz = "Bearer $J_VALID", FORBID(B_F2("org_keys:write")) },
	/* ------------------------------------------------- cookies (C) */
	{ "boc: owner cookie -> user, org A, role owner, [*]", P_CONSOLE,
	  .cookie = "$C_OWNER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "boc: member cookie -> role member", P_CONSOLE, .cookie = "$C_MEMBER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_MEMBER, STAR, 0, "$U_MEMBER") },
	{ "boc: cookie POST with matching Origin -> ok", P_CONSOLE,
	  .method = "POST", .cookie = "$C_OWNER", .origin = ORIGIN_OK,
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "boc: cookie POST without Origin -> F4", P_CONSOLE, .method = "POST",
	  .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "boc: unknown cookie -> U6 and cleared", P_CONSOLE,
	  .cookie = "$C_UNKNOWN", FAIL(B_U6), .clears_cookie = 1 },
	{ "boc: ill-formed cookie -> U6 and cleared", P_CONSOLE,
	  .cookie = "short", FAIL(B_U6), .clears_cookie = 1 },
	{ "boc: idle-expired cookie -> U6 and cleared", P_CONSOLE,
	  .cookie = "$C_IDLE", FAIL(B_U6), .clears_cookie = 1 },
	{ "boc: absolute-expired cookie -> U6 and cleared", P_CONSOLE,
	  .cookie = "$C_ABS", FAIL(B_U6), .clears_cookie = 1 },
	{ "boc: disabled user's cookie -> U6 and cleared", P_CONSOLE,
	  .cookie = "$C_DISABLED", FAIL(B_U6), .clears_cookie = 1 },
	{ "boc: platform admin without membership, NEED_ORG -> F6", P_CONSOLE,
	  .cookie = "$C_PADMIN", FORBID(B_F6) },
	{ "boc: session without active org, NEED_ORG -> F6", P_CONSOLE,
	  .cookie = "$C_NOORG", FORBID(B_F6) },
	{ "boc: platform admin, no NEED_ORG -> org null, [*, system]",
	  { AUTH_BEARER_OR_COOKIE, 0, 0, SC_ALL }, .cookie = "$C_PADMIN",
	  OK(PT_USER, CK_COOKIE, NULL, ROLE_NONE, STAR | SCOPE(SC_SYSTEM), 0,
	  "$U_PADMIN"), .platform_admin = 1 },
	/* ---------------------------------- both Authorization and cookie */
	{ "boc: Authorization and cookie -> only the key (no CSRF)", P_CONSOLE,
	  .method = "POST", .authz = "Bearer $K_ORG", .cookie = "$C_MEMBER",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "boc: bad Authorization and valid cookie -> U1", P_CONSOLE,
	  .authz = "Bearer $K_REVOKED", .cookie = "$C_OWNER", REJECT(B_U1) },
	{ "boc: malformed Authorization and valid cookie -> U1", P_CONSOLE,
	  .authz = "Basic dXNlcjpwdw==", .cookie = "$C_OWNER", FAIL(B_U1) },
	{ "boc: valid key and invalid cookie -> key, cookie not cleared",
	  P_CONSOLE, .authz = "Bearer $K_ORG", .cookie = "$C_UNKNOWN",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	/* ---------------------------------------------- Bearer parsing §1.1 */
	{ "bearer: lowercase scheme", P_IDENT, .authz = "bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "bearer: mixed-case scheme, several spaces", P_IDENT,
	  .authz = "BeArEr    $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "bearer: trailing spaces trimmed", P_IDENT, .authz = "Bearer $K_ORG   ",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "bearer: tab instead of space -> U1", P_IDENT,
	  .authz = "Bearer\t$K_ORG", FAIL(B_U1) },
	{ "bearer: no space after scheme -> U1", P_IDENT,
	  .authz = "Bearer$K_ORG", FAIL(B_U1) },
	{ "bearer: control byte in token -> U1", P_IDENT,
	  .authz = "Bearer $K_ORG\x01", REJECT(B_U1) },
	{ "bearer: DEL byte in token -> U1", P_IDENT,
	  .authz = "Bearer $K_ORG\x7f", REJECT(B_U1) },
	{ "bearer: space inside token -> U1", P_IDENT,
	  .authz = "Bearer $K_ORG x", REJECT(B_U1) },
	{ "bearer: 4096-byte token is read (unknown opaque) -> U1", P_IDENT,
	  .authz = "Bearer $LONG4096", REJECT(B_U1) },
	{ "bearer: 4097-byte token -> U1", P_IDENT, .authz = "Bearer $LONG4097",
	  REJECT(B_U1) },
	{ "bearer: empty token -> U1", P_IDENT, .authz = "Bearer    ",
	  FAIL(B_U1) },
	{ "bearer: scheme only -> U1", P_IDENT, .authz = "Bearer", FAIL(B_U1) },
	{ "bearer: empty header -> U1", P_IDENT, .authz = "", FAIL(B_U1) },
	{ "bearer: Basic scheme -> U1", P_IDENT, .authz = "Basic x",
	  FAIL(B_U1) },
	/* --------------------------------------- AUTH_ORGWIDE_STAR_KEY */
	{ "people: org-wide * key -> ok", P_PEOPLE, .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "people: key without * -> F2 *", P_PEOPLE, .authz = "Bearer $K_READ",
	  FORBID(B_F2("*")) },
	{ "people: project-scoped key -> F2 *", P_PEOPLE,
	  .authz = "Bearer $K_PROJ", FORBID(B_F2("*")) },
	{ "people: M2M JWT -> U5", P_PEOPLE, .authz = "Bearer $J_VALID",
	  REJECT(B_U5) },
	{ "people: cookie -> ok", P_PEOPLE, .cookie = "$C_MEMBER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_MEMBER, STAR, 0, "$U_MEMBER") },
	/* ---------------------- org keys: AUTH_ALLOW_SYSTEM_KEY, any_scope */
	{ "orgkeys: system key -> system principal, org null", P_ORG_KEYS,
	  .authz = "Bearer $K_SYS",
	  OK(PT_SYSTEM, CK_API_KEY, NULL, ROLE_NONE, SCOPE(SC_SYSTEM), 0,
	  "$K_SYS_ID") },
	{ "orgkeys: * implies org_keys:write", P_ORG_KEYS,
	  .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "orgkeys: sessions:read key -> F2 org_keys:write", P_ORG_KEYS,
	  .authz = "Bearer $K_READ", FORBID(B_F2("org_keys:write")) },
	/* ------------------------------------------- AUTH_NEED_SYSTEM */
	{ "admin: system key -> ok", P_ADMIN, .authz = "Bearer $K_SYS",
	  OK(PT_SYSTEM, CK_API_KEY, NULL, ROLE_NONE, SCOPE(SC_SYSTEM), 0,
	  "$K_SYS_ID") },
	{ "admin: platform-admin cookie -> ok", P_ADMIN, .cookie = "$C_PADMIN",
	  OK(PT_USER, CK_COOKIE, NULL, ROLE_NONE, STAR | SCOPE(SC_SYSTEM), 0,
	  "$U_PADMIN"), .platform_admin = 1 },
	{ "admin: platform-admin cookie, NEED_ORG too -> ok (no F6)",
	  P_ADMIN_ORGREQ, .cookie = "$C_PADMIN",
	  OK(PT_USER, CK_COOKIE, NULL, ROLE_NONE, STAR | SCOPE(SC_SYSTEM), 0,
	  "$U_PADMIN"), .platform_admin = 1 },
	{ "admin: platform-admin cookie POST without Origin -> F4", P_ADMIN,
	  .method = "POST", .cookie = "$C_PADMIN", FORBID(B_F4) },
	{ "admin: owner cookie -> F5", P_ADMIN, .cookie = "$C_OWNER",
	  FORBID(B_F5) },
	{ "admin: org-wide * key -> F5", P_ADMIN, .authz = "Bearer $K_ORG",
	  FORBID(B_F5) },
	{ "admin: M2M JWT -> U5", P_ADMIN, .authz = "Bearer $J_VALID",
	  REJECT(B_U5) },
	{ "admin: no credential -> U6", P_ADMIN, FAIL(B_U6) },
	{ "admin: org key claiming system -> U1", P_ADMIN,
	  .authz = "Bearer $K_ORGSYS", REJECT(B_U1) },
	{ "admin-org: system key -> ok", P_ADMIN_ORG, .authz = "Bearer $K_SYS",
	  OK(PT_SYSTEM, CK_API_KEY, NULL, ROLE_NONE, SCOPE(SC_SYSTEM), 0,
	  "$K_SYS_ID") },
	{ "admin-org: org-wide * key -> ok", P_ADMIN_ORG,
	  .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "admin-org: key without * -> F2 *", P_ADMIN_ORG,
	  .authz = "Bearer $K_READ", FORBID(B_F2("*")) },
	/* ------------------------------------------- AUTH_COOKIE_ONLY */
	{ "cookie-only: no cookie -> U7", P_COOKIE, FAIL(B_U7) },
	{ "cookie-only: Authorization never read -> U7", P_COOKIE,
	  .authz = "Bearer $K_ORG", FAIL(B_U7) },
	{ "cookie-only: bad Authorization ignored, cookie used", P_COOKIE,
	  .authz = "Basic x", .cookie = "$C_OWNER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "cookie-only: unknown cookie -> U7 and cleared", P_COOKIE,
	  .cookie = "$C_UNKNOWN", FAIL(B_U7), .clears_cookie = 1 },
	{ "cookie-only: idle-expired cookie -> U7 and cleared", P_COOKIE,
	  .cookie = "$C_IDLE", FAIL(B_U7), .clears_cookie = 1 },
	{ "cookie-only: GET needs no Origin", P_COOKIE, .cookie = "$C_OWNER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "cookie-only: HEAD needs no Origin", P_COOKIE, .method = "HEAD",
	  .cookie = "$C_OWNER",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "cookie-only: POST without Origin or Referer -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "cookie-only: PUT without Origin -> F4", P_COOKIE, .method = "PUT",
	  .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "cookie-only: PATCH without Origin -> F4", P_COOKIE,
	  .method = "PATCH", .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "cookie-only: DELETE without Origin -> F4", P_COOKIE,
	  .method = "DELETE", .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "cookie-only: POST with foreign Origin -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .origin = "https://evil.example.com", FORBID(B_F4) },
	{ "cookie-only: POST with http:// Origin -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .origin = "http://rensei.example.com", FORBID(B_F4) },
	{ "cookie-only: POST with Origin null -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER", .origin = "null",
	  FORBID(B_F4) },
	{ "cookie-only: Origin null is not rescued by Referer -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER", .origin = "null",
	  .referer = ORIGIN_OK "/org", FORBID(B_F4) },
	{ "cookie-only: POST Origin with :443 and upper case -> ok", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .origin = "HTTPS://Rensei.Example.COM:443",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "cookie-only: POST Origin with other port -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .origin = "https://rensei.example.com:8443", FORBID(B_F4) },
	{ "cookie-only: POST Referer fallback matching -> ok", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .referer = ORIGIN_OK "/org/members?x=1",
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "cookie-only: POST Referer of a look-alike host -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .referer = "https://rensei.example.com.evil.com/x", FORBID(B_F4) },
	{ "cookie-only: POST Referer with userinfo -> F4", P_COOKIE,
	  .method = "POST", .cookie = "$C_OWNER",
	  .referer = "https://rensei.example.com@evil.com/x", FORBID(B_F4) },
	{ "cookie-only: platform admin without org -> F6", P_COOKIE,
	  .cookie = "$C_PADMIN", FORBID(B_F6) },
	{ "cookie-only: /me without org requirement -> ok", P_COOKIE_ME,
	  .cookie = "$C_PADMIN",
	  OK(PT_USER, CK_COOKIE, NULL, ROLE_NONE, STAR | SCOPE(SC_SYSTEM), 0,
	  "$U_PADMIN"), .platform_admin = 1 },
	/* ---------------------------------------------- AUTH_WORKER (§8) */
	{ "worker: missing Authorization -> U1", P_POLL, FAIL(B_U1) },
	{ "worker: malformed Authorization -> U1", P_POLL,
	  .authz = "Token abc", FAIL(B_U1) },
	{ "worker: cookie only (no onboarding) -> U1", P_POLL,
	  .cookie = "$C_OWNER", FAIL(B_U1) },
	{ "worker: opaque garbage -> U1", P_POLL, .authz = "Bearer garbage",
	  REJECT(B_U1) },
	{ "worker: legacy key -> default org, worker scopes, Deprecation",
	  P_POLL, .authz = "Bearer " LEGACY_KEY,
	  OK(PT_API_KEY, CK_LEGACY_KEY, "$ORG_A", ROLE_NONE, SCOPES_WORKER, 0,
	  "legacy"), .deprecation = 1 },
	{ "worker: legacy key failing scope -> F2 with Deprecation",
	  P_WORKERS_READ, .authz = "Bearer " LEGACY_KEY,
	  FORBID(B_F2("workers:read")), .deprecation = 1 },
	{ "worker: legacy key plus a byte is a JWT-shaped token -> U3", P_POLL,
	  .authz = "Bearer " LEGACY_KEY "x", REJECT(B_U3) },
	{ "worker: org-wide * key -> ok", P_POLL, .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "worker: project worker key -> ok", P_POLL, .authz = "Bearer $K_PROJ",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, SCOPES_WORKER, 1,
	  "$K_PROJ_ID"), .proj0 = "$P1" },
	{ "worker: sessions:read key -> F2 worker:poll", P_POLL,
	  .authz = "Bearer $K_READ", FORBID(B_F2("worker:poll")) },
	{ "worker: revoked key -> U1", P_POLL, .authz = "Bearer $K_REVOKED",
	  REJECT(B_U1) },
	{ "worker: system key -> F2 worker:poll", P_POLL,
	  .authz = "Bearer $K_SYS", FORBID(B_F2("worker:poll")) },
	{ "worker: registration token -> api_key, [P1], 4 worker scopes",
	  P_POLL, .authz = "Bearer $R_VALID",
	  OK(PT_API_KEY, CK_REGISTRATION_TOKEN, "$ORG_A", ROLE_NONE,
	  SCOPES_WORKER, 1, "$R_VALID_ID"), .proj0 = "$P1" },
	{ "worker: org-wide registration token -> projectIds null", P_POLL,
	  .authz = "Bearer $R_ORGWIDE",
	  OK(PT_API_KEY, CK_REGISTRATION_TOKEN, "$ORG_A", ROLE_NONE,
	  SCOPES_WORKER, 0, "$R_ORGWIDE_ID") },
	{ "worker: revoked registration token -> U1", P_POLL,
	  .authz = "Bearer $R_REVOKED", REJECT(B_U1) },
	{ "worker: expired registration token -> U1", P_POLL,
	  .authz = "Bearer $R_EXPIRED", REJECT(B_U1) },
	{ "worker: unknown registration token -> U1", P_POLL,
	  .authz = "Bearer $R_UNKNOWN", REJECT(B_U1) },
	{ "worker: registration token in uppercase hex -> U1", P_POLL,
	  .authz = "Bearer $R_UPPER", REJECT(B_U1) },
	{ "worker: rsp_test_ token -> U1", P_POLL, .authz = "Bearer $R_TEST",
	  REJECT(B_U1) },
	{ "worker: stub. token -> U3", P_POLL, .authz = "Bearer stub.offline",
	  REJECT(B_U3) },
	{ "worker: JWT-shaped stub. token -> U3", P_POLL,
	  .authz = "Bearer stub.a.b", REJECT(B_U3) },
	{ "worker: runtime JWT -> worker, org claim, [proj]", P_POLL,
	  .authz = "Bearer $RT_VALID",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE, ALL_WORKER3, 1,
	  "$WKR"), .proj0 = "$P1" },
	{ "worker: runtime JWT without proj -> projectIds null", P_POLL,
	  .authz = "Bearer $RT_NOPROJ",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE,
	  SCOPE(SC_WORKER_POLL), 0, "$WKR") },
	{ "worker: runtime JWT without the scope -> F2", P_WORKERS_READ,
	  .authz = "Bearer $RT_VALID", FORBID(B_F2("workers:read")) },
	{ "worker: expired runtime JWT -> U2", P_POLL,
	  .authz = "Bearer $RT_EXPIRED", REJECT(B_U2) },
	{ "worker: runtime JWT inside WORKER_TTL, no grace -> U2", P_POLL,
	  .authz = "Bearer $RT_GRACE", REJECT(B_U2) },
	{ "worker: runtime JWT with a bad signature -> U3", P_POLL,
	  .authz = "Bearer $RT_BADSIG", REJECT(B_U3) },
	{ "worker: runtime JWT with alg none -> U3", P_POLL,
	  .authz = "Bearer $RT_NONE", REJECT(B_U3) },
	{ "worker: undecodable JWT-shaped token -> U3", P_POLL,
	  .authz = "Bearer a.b.c", REJECT(B_U3) },
	{ "worker: M2M JWT -> m2m", P_POLL, .authz = "Bearer $J_VALID",
	  OK(PT_M2M, CK_M2M_JWT, "$ORG_A", ROLE_NONE,
	  SCOPE(SC_SESSIONS_READ) | SCOPE(SC_WORKER_POLL), 0, "$MC_ID") },
	{ "worker: expired M2M JWT -> U4", P_POLL, .authz = "Bearer $J_EXPIRED",
	  REJECT(B_U4) },
	{ "worker: M2M JWT with a bad signature -> U5", P_POLL,
	  .authz = "Bearer $J_BADSIG", REJECT(B_U5) },
	{ "worker: M2M JWT of a revoked client -> U5", P_POLL,
	  .authz = "Bearer $J_REVOKED", REJECT(B_U5) },
	{ "worker: SCIM token -> U1", P_POLL, .authz = "Bearer $S_VALID",
	  REJECT(B_U1) },
	/* -------------------------------- register: AUTH_ONBOARDING (§5.3) */
	{ "register: cookie POST with Origin -> user (onboarding)", P_REGISTER,
	  .method = "POST", .cookie = "$C_OWNER", .origin = ORIGIN_OK,
	  OK(PT_USER, CK_COOKIE, "$ORG_A", ROLE_OWNER, STAR, 0, "$U_OWNER") },
	{ "register: cookie POST without Origin -> F4", P_REGISTER,
	  .method = "POST", .cookie = "$C_OWNER", FORBID(B_F4) },
	{ "register: cookie POST with foreign Referer -> F4", P_REGISTER,
	  .method = "POST", .cookie = "$C_OWNER",
	  .referer = "https://evil.example.com/", FORBID(B_F4) },
	{ "register: no credential -> U1", P_REGISTER, .method = "POST",
	  FAIL(B_U1) },
	{ "register: invalid cookie -> U1 and cleared", P_REGISTER,
	  .method = "POST", .cookie = "$C_UNKNOWN", .origin = ORIGIN_OK,
	  FAIL(B_U1), .clears_cookie = 1 },
	{ "register: Bearer wins over cookie, no CSRF", P_REGISTER,
	  .method = "POST", .authz = "Bearer $R_VALID", .cookie = "$C_OWNER",
	  OK(PT_API_KEY, CK_REGISTRATION_TOKEN, "$ORG_A", ROLE_NONE,
	  SCOPES_WORKER, 1, "$R_VALID_ID"), .proj0 = "$P1" },
	{ "register: worker_registration key -> ok", P_REGISTER,
	  .method = "POST", .authz = "Bearer $K_WREG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_NONE, SCOPES_WORKER, 0,
	  "$K_WREG_ID") },
	{ "register: legacy key -> ok with Deprecation", P_REGISTER,
	  .method = "POST", .authz = "Bearer " LEGACY_KEY,
	  OK(PT_API_KEY, CK_LEGACY_KEY, "$ORG_A", ROLE_NONE, SCOPES_WORKER, 0,
	  "legacy"), .deprecation = 1 },
	{ "register: runtime JWT -> F2 worker:register", P_REGISTER,
	  .method = "POST", .authz = "Bearer $RT_VALID",
	  FORBID(B_F2("worker:register")) },
	{ "register: sessions:read key -> F2 worker:register", P_REGISTER,
	  .method = "POST", .authz = "Bearer $K_READ",
	  FORBID(B_F2("worker:register")) },
	/* ------------------------- refresh-token: AUTH_RUNTIME_GRACE (§5.3) */
	{ "refresh: runtime JWT expired inside WORKER_TTL -> worker",
	  P_REFRESH, .method = "POST", .authz = "Bearer $RT_GRACE",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE, ALL_WORKER3, 1,
	  "$WKR"), .proj0 = "$P1" },
	{ "refresh: valid runtime JWT needs no scope -> worker", P_REFRESH,
	  .method = "POST", .authz = "Bearer $RT_VALID",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE, ALL_WORKER3, 1,
	  "$WKR"), .proj0 = "$P1" },
	{ "refresh: runtime JWT expired beyond WORKER_TTL -> U2", P_REFRESH,
	  .method = "POST", .authz = "Bearer $RT_EXPIRED", REJECT(B_U2) },
	{ "refresh: runtime JWT with a bad signature -> U3", P_REFRESH,
	  .method = "POST", .authz = "Bearer $RT_BADSIG", REJECT(B_U3) },
	{ "refresh: registration token -> ok", P_REFRESH, .method = "POST",
	  .authz = "Bearer $R_VALID",
	  OK(PT_API_KEY, CK_REGISTRATION_TOKEN, "$ORG_A", ROLE_NONE,
	  SCOPES_WORKER, 1, "$R_VALID_ID"), .proj0 = "$P1" },
	{ "refresh: sessions:read key -> F2 worker:register", P_REFRESH,
	  .method = "POST", .authz = "Bearer $K_READ",
	  FORBID(B_F2("worker:register")) },
	{ "refresh: cookie is never read -> U1", P_REFRESH, .method = "POST",
	  .cookie = "$C_OWNER", .origin = ORIGIN_OK, FAIL(B_U1) },
	/* ---------------------------------------- AUTH_DAEMON_CREDS (§8) */
	{ "daemon: project worker key -> ok", P_DAEMON,
	  .authz = "Bearer $K_PROJ",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, SCOPES_WORKER, 1,
	  "$K_PROJ_ID"), .proj0 = "$P1" },
	{ "daemon: org-wide * key -> ok", P_DAEMON, .authz = "Bearer $K_ORG",
	  OK(PT_API_KEY, CK_API_KEY, "$ORG_A", ROLE_OWNER, STAR, 0, "$K_ORG_ID") },
	{ "daemon: sessions:read key -> F2 worker:session", P_DAEMON,
	  .authz = "Bearer $K_READ", FORBID(B_F2("worker:session")) },
	{ "daemon: runtime JWT -> worker", P_DAEMON, .authz = "Bearer $RT_VALID",
	  OK(PT_WORKER, CK_RUNTIME_JWT, "$ORG_A", ROLE_NONE, ALL_WORKER3, 1,
	  "$WKR"), .proj0 = "$P1" },
	{ "daemon: expired runtime JWT -> U2", P_DAEMON,
	  .authz = "Bearer $RT_EXPIRED", REJECT(B_U2) },
	{ "daemon: registration token -> U1", P_DAEMON,
	  .authz = "Bearer $R_VALID", REJECT(B_U1) },
	{ "daemon: legacy key -> U1, no Deprecation", P_DAEMON,
	  .authz = "Bearer " LEGACY_KEY, REJECT(B_U1) },
	{ "daemon: M2M JWT -> U5", P_DAEMON, .authz = "Bearer $J_VALID",
	  REJECT(B_U5) },
	{ "daemon: cookie only -> U1", P_DAEMON, .cookie = "$C_OWNER",
	  FAIL(B_U1) },
	{ "daemon: missing Authorization -> U1", P_DAEMON, FAIL(B_U1) },
	{ "daemon: revoked key -> U1", P_DAEMON, .authz = "Bearer $K_REVOKED",
	  REJECT(B_U1) },
	{ "daemon: system key -> F2 worker:session", P_DAEMON,
	  .authz = "Bearer $K_SYS", FORBID(B_F2("worker:session")) },
	/* ------------------------------------------------- AUTH_SCIM (§11) */
	{ "scim: valid token -> api_key, scim_token, org A, no scopes", P_SCIM,
	  .authz = "Bearer $S_VALID",
	  OK(PT_API_KEY, CK_SCIM_TOKEN, "$ORG_A", ROLE_NONE, 0, 0,
	  "$S_VALID_ID") },
	{ "scim: revoked token -> SCIM 401, invalid_token", P_SCIM,
	  .authz = "Bearer $S_REVOKED", SCIM_REJECT },
	{ "scim: unknown token -> SCIM 401, invalid_token", P_SCIM,
	  .authz = "Bearer $S_UNKNOWN", SCIM_REJECT },
	{ "scim: missing Authorization -> SCIM 401", P_SCIM, SCIM_FAIL },
	{ "scim: Basic scheme -> SCIM 401", P_SCIM, .authz = "Basic x",
	  SCIM_FAIL },
	{ "scim: API key -> SCIM 401, invalid_token", P_SCIM,
	  .authz = "Bearer $K_ORG", SCIM_REJECT },
	{ "scim: M2M JWT -> SCIM 401, invalid_token", P_SCIM,
	  .authz = "Bearer $J_VALID", SCIM_REJECT },
	{ "scim: legacy key -> SCIM 401, invalid_token", P_SCIM,
	  .authz = "Bearer " LEGACY_KEY, SCIM_REJECT },
	{ "scim: cookie only -> SCIM 401", P_SCIM, .cookie = "$C_OWNER",
	  SCIM_FAIL },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* ------------------------------------------------------------ fixtures */

static char datadir[64];
static char dbpath[128];
static struct arena fa;          /* fixture strings, for the whole group */

static struct {
	const char *name;
	const char *value;
} fx[96];
static int nfx;

static void
fx_set(const char *name, const char *value)
{
	assert_true(nfx < (int)(sizeof(fx) / sizeof(fx[0])));
	fx[nfx].name = name;
	fx[nfx].value = arena_strdup(&fa, value);
	nfx++;
}

static const char *
fx_get(const char *name, size_t n)
{
	for (int i = 0; i < nfx; i++)
		if (strlen(fx[i].name) == n && memcmp(fx[i].name, name, n) == 0)
			return fx[i].value;
	fail_msg("unknown fixture $%.*s", (int)n, name);
	return NULL;
}

static const char *
fxv(const char *name)
{
	return fx_get(name, strlen(name));
}

/* s with every $NAME replaced by its fixture value. */
static char *
expand(struct arena *a, const char *s)
{
	struct buf b;
	char *out;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "");
	while (*s != '\0') {
		if (*s == '$') {
			size_t n = 1;

			while ((s[n] >= 'A' && s[n] <= 'Z') ||
			    (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
				n++;
			buf_puts(&b, fx_get(s + 1, n - 1));
			s += n;
		} else
			buf_putc(&b, *s++);
	}
	out = arena_strdup(a, b.data);
	buf_free(&b);
	return out;
}

static void
check_dom(enum dom_rc rc, const struct dom_err *err)
{
	if (rc != DOM_OK)
		fail_msg("domain call failed: %d %s", rc,
		    err->message ? err->message : "");
}

static const char *
mint_key(const char *name, const char *org, const char *type,
    const char **scopes, int nscopes, const char **projects, int nprojects,
    const char *created_by, int64_t expires_at, const char **id)
{
	struct key_mint m = {
		.org_id = org, .name = name, .key_type = type,
		.scopes = scopes, .nscopes = nscopes,
		.project_ids = projects, .nprojects = nprojects,
		.created_by = created_by, .expires_at = expires_at,
	};
	struct minted out;
	struct dom_err err;

	check_dom(key_mint(&fa, &actor_cli, &m, &out, &err), &err);
	if (id != NULL)
		*id = out.id;
	return out.secret;
}

static void exec_sql(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void
exec_sql(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (store_exec(sql) != STORE_OK)
		fail_msg("SQL failed: %s", sql);
}

/* The integer of the first column of sql's first row (0 for null, -1 for
 * no row).  sql must be a static string: the store caches statements by
 * their text's address. */
static int64_t
query_int(const char *sql, const char *arg)
{
	struct sstmt *st = store_stmt(sql);
	int64_t v = -1;

	assert_non_null(st);
	if (arg != NULL)
		ss_bind_text(st, 1, arg);
	if (ss_step(st) == STORE_ROW)
		v = ss_is_null(st, 0) ? 0 : ss_int(st, 0);
	ss_reset(st);
	return v;
}

/* A random 43-char cookie value and its user_sessions row (active_org may
 * be NULL). */
static const char *
add_session(const char *user, const char *active_org, int64_t created,
    int64_t last_seen)
{
	static const char sql[] =
	    "INSERT INTO user_sessions (id_hash, user_id, active_org_id,"
	    " created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	uint8_t raw[32];
	char cookie[44], hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;

	random_bytes(raw, sizeof(raw));
	b64url_encode(cookie, raw, sizeof(raw));
	assert_int_equal(strlen(cookie), 43);
	sha256_hex(hash, cookie, 43);
	st = store_stmt(sql);
	assert_non_null(st);
	ss_bind_text(st, 1, hash);
	ss_bind_text(st, 2, user);
	ss_bind_text(st, 3, active_org);
	ss_bind_int(st, 4, created);
	ss_bind_int(st, 5, last_seen);
	assert_int_equal(ss_exec(st), STORE_OK);
	return arena_strdup(&fa, cookie);
}

static const char *
mint_runtime(const char *sub, const char *org, const char *proj,
    const char *reg, unsigned scope, int64_t iat, int64_t exp,
    const uint8_t *key, size_t keylen)
{
	const char *projs[1] = { proj };
	struct jwt_runtime_claims c = {
		.sub = sub, .org = org, .proj = proj ? projs : NULL,
		.nproj = proj ? 1 : 0, .reg = reg, .scope = scope,
		.iat = iat, .exp = exp, .jti = "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0",
	};
	struct buf b;
	const char *tok;

	buf_init(&b);
	assert_int_equal(jwt_runtime_mint(&b, &c, key, keylen), 0);
	tok = arena_strdup(&fa, b.data);
	buf_free(&b);
	return tok;
}

static const char *
mint_m2m(const char *client, const char *org, int64_t iat, int64_t exp,
    const uint8_t *key, size_t keylen)
{
	static const char *const scopes[] = { "sessions:read", "worker:poll" };
	struct jwt_m2m_claims c = {
		.iss = "rensei-platform", .client_id = client, .org_id = org,
		.scopes = scopes, .nscopes = 2, .iat = iat, .exp = exp,
		.jti = "0123456789abcdef0123456789abcdef",
	};
	struct buf b;
	const char *tok;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, key, keylen), 0);
	tok = arena_strdup(&fa, b.data);
	buf_free(&b);
	return tok;
}

/* The valid token with its header replaced by {"alg":"none","typ":"JWT"}. */
static const char *
alg_none(const char *tok)
{
	static const char hdr[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char enc[64];

	b64url_encode(enc, (const uint8_t *)hdr, strlen(hdr));
	return arena_printf(&fa, "%s%s", enc, strchr(tok, '.'));
}

static char *
upper(const char *s)
{
	char *u = arena_strdup(&fa, s);

	for (char *p = u; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

static void
make_fixtures(void)
{
	static const char *const star[] = { "*" };
	static const char *const read[] = { "sessions:read" };
	static const char *const rw[] = { "sessions:read", "sessions:write" };
	static const char *const worker[] = { "worker:register", "worker:poll",
	    "worker:heartbeat", "worker:session" };
	static const char *const sys[] = { "system" };
	static const char *const m2m_scopes[] = { "sessions:read", "worker:poll" };
	const struct secret *rt = secret_get(SECRET_RUNTIME_JWT);
	const struct secret *m2m = secret_get(SECRET_M2M_HS256);
	struct user owner, member, padmin, disabled, offboard, bowner;
	struct org a, b;
	struct project pa, pb, p1;
	struct minted mt;
	struct dom_err err;
	const char *id, *p1ids[1], *tok;
	uint8_t wrong[32];
	char buf[5000], *k;

	assert_non_null(rt);
	assert_non_null(m2m);
	assert_int_equal(store_begin_write(), STORE_OK);
	check_dom(user_create(&fa, "owner@a.example", "Owner", NULL, 0, &owner,
	    &err), &err);
	check_dom(user_create(&fa, "member@a.example", "Member", NULL, 0,
	    &member, &err), &err);
	check_dom(user_create(&fa, "root@platform.example", "Root", NULL, 1,
	    &padmin, &err), &err);
	check_dom(user_create(&fa, "gone@a.example", "Disabled", NULL, 0,
	    &disabled, &err), &err);
	check_dom(user_create(&fa, "left@a.example", "Offboarded", NULL, 0,
	    &offboard, &err), &err);
	check_dom(user_create(&fa, "owner@b.example", "B Owner", NULL, 0,
	    &bowner, &err), &err);
	check_dom(org_create(&fa, &actor_cli, "Org A", "org-a", NULL, owner.id,
	    1, &a, &pa, &err), &err);
	check_dom(org_create(&fa, &actor_cli, "Org B", "org-b", NULL,
	    bowner.id, 0, &b, &pb, &err), &err);
	check_dom(member_add(&fa, &actor_cli, a.id, member.id, "member", NULL,
	    &err), &err);
	check_dom(member_add(&fa, &actor_cli, a.id, disabled.id, "member", NULL,
	    &err), &err);
	check_dom(member_add(&fa, &actor_cli, a.id, offboard.id, "member", NULL,
	    &err), &err);
	check_dom(project_create(&fa, &actor_cli, a.id, "Alpha", "alpha", 0,
	    owner.id, &p1, &err), &err);
	p1ids[0] = p1.id;
	fx_set("ORG_A", a.id);
	fx_set("ORG_B", b.id);
	fx_set("P1", p1.id);
	fx_set("U_OWNER", owner.id);
	fx_set("U_MEMBER", member.id);
	fx_set("U_PADMIN", padmin.id);
	fx_set("U_DISABLED", disabled.id);

	/* API keys (§4). */
	k = (char *)mint_key("org", a.id, "user", (const char **)star, 1, NULL,
	    0, owner.id, 0, &id);
	fx_set("K_ORG", k);
	fx_set("K_ORG_ID", id);
	fx_set("K_UPPER", upper(k));
	fx_set("K_ORG0", arena_printf(&fa, "%s0", k));
	fx_set("K_TEST", arena_printf(&fa, "rsk_test_%s", k + 9));
	fx_set("K_MEMBER", mint_key("member", a.id, "user", (const char **)rw,
	    2, NULL, 0, member.id, 0, &id));
	fx_set("K_MEMBER_ID", id);
	fx_set("K_READ", mint_key("read", a.id, "user", (const char **)read, 1,
	    NULL, 0, owner.id, 0, &id));
	fx_set("K_READ_ID", id);
	fx_set("K_PROJ", mint_key("proj", a.id, "user", (const char **)worker,
	    4, p1ids, 1, owner.id, 0, &id));
	fx_set("K_PROJ_ID", id);
	fx_set("K_WREG", mint_key("wreg", a.id, "worker_registration",
	    (const char **)worker, 4, NULL, 0, owner.id, 0, &id));
	fx_set("K_WREG_ID", id);
	fx_set("K_CLI", mint_key("cli", a.id, "user", (const char **)star, 1,
	    NULL, 0, NULL, 0, &id));
	fx_set("K_CLI_ID", id);
	fx_set("K_SYS", mint_key("sys", NULL, "user", (const char **)sys, 1,
	    NULL, 0, NULL, 0, &id));
	fx_set("K_SYS_ID", id);
	fx_set("K_B", mint_key("b", b.id, "user", (const char **)star, 1, NULL,
	    0, bowner.id, 0, &id));
	fx_set("K_B_ID", id);
	fx_set("K_REVOKED", mint_key("revoked", a.id, "user",
	    (const char **)star, 1, NULL, 0, owner.id, 0, &id));
	check_dom(key_revoke(&fa, &actor_cli, a.id, id, &err), &err);
	fx_set("K_EXPIRED", mint_key("expired", a.id, "user",
	    (const char **)star, 1, NULL, 0, owner.id, T0 - 1, NULL));
	fx_set("K_EXPNOW", mint_key("expires now", a.id, "user",
	    (const char **)star, 1, NULL, 0, owner.id, T0, NULL));
	fx_set("K_OFFBOARD", mint_key("offboarded", a.id, "user",
	    (const char **)star, 1, NULL, 0, offboard.id, 0, NULL));
	fx_set("K_WREG_OFF", mint_key("offboarded wreg", a.id,
	    "worker_registration", (const char **)worker, 4, NULL, 0,
	    offboard.id, 0, &id));
	fx_set("K_WREG_OFF_ID", id);
	fx_set("K_STAMP", mint_key("stamp", a.id, "user", (const char **)star,
	    1, NULL, 0, owner.id, 0, &id));
	fx_set("K_STAMP_ID", id);
	random_hex(buf, 32);
	fx_set("K_UNKNOWN", arena_printf(&fa, "rsk_live_%s", buf));

	/* Registration tokens (§5). */
	check_dom(regtoken_mint(&fa, &actor_cli, a.id, p1.id, "r1", owner.id,
	    86400, &mt, &err), &err);
	fx_set("R_VALID", mt.secret);
	fx_set("R_VALID_ID", mt.id);
	fx_set("R_UPPER", upper(mt.secret));
	fx_set("R_TEST", arena_printf(&fa, "rsp_test_%s", mt.secret + 9));
	check_dom(regtoken_mint(&fa, &actor_cli, a.id, NULL, "org-wide",
	    owner.id, 86400, &mt, &err), &err);
	fx_set("R_ORGWIDE", mt.secret);
	fx_set("R_ORGWIDE_ID", mt.id);
	check_dom(regtoken_mint(&fa, &actor_cli, a.id, p1.id, "revoked",
	    owner.id, 86400, &mt, &err), &err);
	fx_set("R_REVOKED", mt.secret);
	fx_set("R_REVOKED_ID", mt.id);
	check_dom(regtoken_mint(&fa, &actor_cli, a.id, p1.id, "expired",
	    owner.id, 300, &mt, &err), &err);
	fx_set("R_EXPIRED", mt.secret);
	fx_set("R_EXPIRED_ID", mt.id);
	check_dom(regtoken_mint(&fa, &actor_cli, a.id, p1.id, "stamp",
	    owner.id, 86400, &mt, &err), &err);
	fx_set("R_STAMP", mt.secret);
	fx_set("R_STAMP_ID", mt.id);
	random_hex(buf, 32);
	fx_set("R_UNKNOWN", arena_printf(&fa, "rsp_live_%s", buf));

	/* M2M clients (§10). */
	check_dom(m2m_create(&fa, &actor_cli, a.id, "ci",
	    (const char **)m2m_scopes, 2, owner.id, &mt, &err), &err);
	fx_set("MC_ID", mt.id);
	fx_set("J_VALID", mint_m2m(mt.id, a.id, T0S, T0S + 3600, m2m->key,
	    m2m->len));
	fx_set("J_EXPIRED", mint_m2m(mt.id, a.id, T0S - 7200, T0S - 3600,
	    m2m->key, m2m->len));
	random_bytes(wrong, sizeof(wrong));
	fx_set("J_BADSIG", mint_m2m(mt.id, a.id, T0S, T0S + 3600, wrong,
	    sizeof(wrong)));
	fx_set("J_WRONGORG", mint_m2m(mt.id, b.id, T0S, T0S + 3600, m2m->key,
	    m2m->len));
	random_hex(buf, 16);
	fx_set("J_UNKNOWN", mint_m2m(arena_printf(&fa, "m2m_%s", buf), a.id,
	    T0S, T0S + 3600, m2m->key, m2m->len));
	check_dom(m2m_create(&fa, &actor_cli, a.id, "old",
	    (const char **)m2m_scopes, 2, owner.id, &mt, &err), &err);
	fx_set("J_REVOKED", mint_m2m(mt.id, a.id, T0S, T0S + 3600, m2m->key,
	    m2m->len));
	check_dom(m2m_delete(&fa, &actor_cli, a.id, mt.id, &err), &err);

	/* SCIM tokens (§11). */
	check_dom(scim_token_create(&fa, &actor_cli, a.id, "idp", owner.id, &mt,
	    &err), &err);
	fx_set("S_VALID", mt.secret);
	fx_set("S_VALID_ID", mt.id);
	check_dom(scim_token_create(&fa, &actor_cli, a.id, "old idp", owner.id,
	    &mt, &err), &err);
	fx_set("S_REVOKED", mt.secret);
	fx_set("S_REVOKED_ID", mt.id);
	random_hex(buf, 32);
	fx_set("S_UNKNOWN", arena_printf(&fa, "scim_%s", buf));
	assert_int_equal(store_commit(), STORE_OK);

	/* The odd states, set directly. */
	exec_sql("UPDATE registration_tokens SET revoked_at = %lld WHERE id = '%s'",
	    (long long)(T0 - 1000), fxv("R_REVOKED_ID"));
	exec_sql("UPDATE registration_tokens SET expires_at = %lld WHERE id = '%s'",
	    (long long)T0, fxv("R_EXPIRED_ID"));
	exec_sql("UPDATE scim_tokens SET revoked_at = %lld WHERE id = '%s'",
	    (long long)(T0 - 1000), fxv("S_REVOKED_ID"));
	/* Offboarded without member_remove, which would also revoke the key:
	 * step 4 of §4.5 must stop it on its own. */
	exec_sql("DELETE FROM memberships WHERE user_id = '%s'", offboard.id);
	exec_sql("UPDATE users SET disabled_at = %lld WHERE id = '%s'",
	    (long long)(T0 - 1000), disabled.id);
	/* A key whose org no longer exists (orgs cascade, so only a store
	 * written without foreign keys could hold one). */
	random_hex(buf, 32);
	tok = arena_printf(&fa, "rsk_live_%s", buf);
	sha256_hex(buf, tok, strlen(tok));
	exec_sql("PRAGMA foreign_keys = OFF");
	exec_sql("INSERT INTO api_keys (id, org_id, name, key_type, key_hash,"
	    " key_prefix, scopes, created_at) VALUES ('key_GONE', 'org_gone',"
	    " 'gone', 'user', '%s', '%.13s', '[\"*\"]', %lld)", buf, tok,
	    (long long)T0);
	fx_set("K_GONE", tok);
	/* An org key claiming "system" (key_mint refuses to make one). */
	random_hex(buf, 32);
	tok = arena_printf(&fa, "rsk_live_%s", buf);
	sha256_hex(buf, tok, strlen(tok));
	exec_sql("INSERT INTO api_keys (id, org_id, name, key_type, key_hash,"
	    " key_prefix, scopes, created_at) VALUES ('key_ORGSYS', '%s',"
	    " 'orgsys', 'user', '%s', '%.13s', '[\"*\",\"system\"]', %lld)",
	    a.id, buf, tok, (long long)T0);
	exec_sql("PRAGMA foreign_keys = ON");
	fx_set("K_ORGSYS", tok);

	/* Cookie sessions (§9.2). */
	fx_set("C_OWNER", add_session(owner.id, a.id, T0 - 3600000, T0 - 600000));
	fx_set("C_MEMBER", add_session(member.id, a.id, T0 - 3600000, T0 - 1000));
	fx_set("C_PADMIN", add_session(padmin.id, NULL, T0 - 3600000, T0 - 1000));
	fx_set("C_NOORG", add_session(member.id, NULL, T0 - 3600000, T0 - 1000));
	fx_set("C_IDLE", add_session(owner.id, a.id, T0 - 86400000,
	    T0 - 43200 * 1000LL));
	fx_set("C_ABS", add_session(owner.id, a.id, T0 - 604800 * 1000LL,
	    T0 - 1000));
	fx_set("C_DISABLED", add_session(disabled.id, a.id, T0 - 3600000,
	    T0 - 1000));
	random_bytes(wrong, sizeof(wrong));
	b64url_encode(buf, wrong, sizeof(wrong));
	fx_set("C_UNKNOWN", buf);

	/* Runtime JWTs (§6), WORKER_TTL 300 s, leeway 60 s. */
	fx_set("WKR", "wkr_0123456789abcdef");
	fx_set("RT_VALID", mint_runtime("wkr_0123456789abcdef", a.id, p1.id,
	    fxv("R_VALID_ID"), JWT_SCOPE_ALL, T0S, T0S + 3600, rt->key,
	    rt->len));
	fx_set("RT_NOPROJ", mint_runtime("wkr_0123456789abcdef", a.id, NULL,
	    "legacy", JWT_SCOPE_POLL, T0S, T0S + 3600, rt->key, rt->len));
	fx_set("RT_EXPIRED", mint_runtime("wkr_0123456789abcdef", a.id, p1.id,
	    "legacy", JWT_SCOPE_ALL, T0S - 7200, T0S - 3600, rt->key, rt->len));
	/* Expired 120 s ago: past the leeway, inside WORKER_TTL. */
	fx_set("RT_GRACE", mint_runtime("wkr_0123456789abcdef", a.id, p1.id,
	    "legacy", JWT_SCOPE_ALL, T0S - 3720, T0S - 120, rt->key, rt->len));
	fx_set("RT_BADSIG", mint_runtime("wkr_0123456789abcdef", a.id, p1.id,
	    "legacy", JWT_SCOPE_ALL, T0S, T0S + 3600, wrong, sizeof(wrong)));
	fx_set("RT_NONE", alg_none(fxv("RT_VALID")));

	/* Bearer lengths (§1.1): 4096 visible bytes is the most. */
	memset(buf, 'a', 4097);
	buf[4096] = '\0';
	fx_set("LONG4096", buf);
	buf[4096] = 'a';
	buf[4097] = '\0';
	fx_set("LONG4097", buf);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	static const char *const unset[] = { "RENSEI_CONFIG",
	    "RENSEI_RUNTIME_JWT_SECRET", "M2M_JWT_SECRET", "M2M_ED25519_SEED",
	    "M2M_JWT_ALG", "RENSEI_SESSION_HASH_SECRET", "SESSION_HASH_SALT",
	    "RENSEI_SEAL_KEY", "AUDIT_SIGNING_MASTER_KEY", "WORKER_TTL",
	    "RENSEI_CLOCK_LEEWAY", "RENSEI_SESSION_IDLE",
	    "RENSEI_SESSION_MAX_AGE", NULL };
	char err[256];
	int applied[8];
	const struct secret *master;

	assert_int_equal(crypto_init(), 0);
	snprintf(datadir, sizeof(datadir), "/tmp/rensei-auth-XXXXXX");
	assert_non_null(mkdtemp(datadir));
	for (int i = 0; unset[i] != NULL; i++)
		unsetenv(unset[i]);
	setenv("RENSEI_DATA_DIR", datadir, 1);
	setenv("PUBLIC_BASE_URL", "https://rensei.example.com", 1);
	setenv("WORKER_API_KEY", LEGACY_KEY, 1);
	if (config_load(0, err, sizeof(err)) != 0)
		fail_msg("config_load: %s", err);
	if (secrets_create_missing(datadir, err, sizeof(err)) < 0)
		fail_msg("secrets_create_missing: %s", err);
	if (secrets_load(SECRETS_ALL, err, sizeof(err)) != 0)
		fail_msg("secrets_load: %s", err);
	master = secret_get(SECRET_AUDIT_MASTER);
	assert_non_null(master);
	assert_int_equal(master->len, AUDIT_MASTER_LEN);
	assert_int_equal(audit_init(master->key), 0);
	snprintf(dbpath, sizeof(dbpath), "%s/rensei.db", datadir);
	assert_int_equal(store_open(dbpath, STORE_OPEN_CREATE), 0);
	assert_true(store_migrate(applied, 8) >= 1);
	clock_set_fixed(T0);
	arena_init(&fa);
	make_fixtures();
	return 0;
}

static int
group_teardown(void **state)
{
	store_close();
	audit_shutdown();
	secrets_wipe();
	config_free();
	arena_free(&fa);
	clock_set_fixed(0);
	nftw(datadir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ------------------------------------------------------------ running */

struct call {
	struct arena    a;
	struct request  req;
	struct response resp;
	char           *env[8];
	int             ok;
};

static void
call_run(struct call *c, const struct auth_policy *pol, const char *method,
    const char *authz, const char *cookie, const char *origin,
    const char *referer)
{
	int n = 0;

	arena_init(&c->a);
	c->env[n++] = arena_printf(&c->a, "REQUEST_METHOD=%s",
	    method ? method : "GET");
	c->env[n++] = arena_strdup(&c->a, "REQUEST_URI=/api/x");
	if (authz != NULL)
		c->env[n++] = arena_printf(&c->a, "HTTP_AUTHORIZATION=%s",
		    expand(&c->a, authz));
	if (cookie != NULL)
		c->env[n++] = arena_printf(&c->a, "HTTP_COOKIE=theme=dark; "
		    SESSION_COOKIE "=%s", expand(&c->a, cookie));
	if (origin != NULL)
		c->env[n++] = arena_printf(&c->a, "HTTP_ORIGIN=%s", origin);
	if (referer != NULL)
		c->env[n++] = arena_printf(&c->a, "HTTP_REFERER=%s", referer);
	c->env[n] = NULL;
	http_request_init(&c->req, &c->a, NULL, c->env);
	http_response_init(&c->resp);
	c->ok = auth_resolve(&c->req, &c->resp, pol);
}

static void
call_free(struct call *c)
{
	http_response_free(&c->resp);
	arena_free(&c->a);
}

/* Value of the only header called name, NULL when absent; fails when it
 * appears twice. */
static const char *
resp_header(struct call *c, const char *name)
{
	const char *h = c->resp.headers.data, *found = NULL;
	size_t n = strlen(name);

	while (h != NULL && *h != '\0') {
		const char *eol = strstr(h, "\r\n");

		assert_non_null(eol);
		if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
			if (found != NULL)
				fail_msg("header %s sent twice", name);
			found = arena_strndup(&c->a, h + n + 2,
			    (size_t)(eol - h - (ptrdiff_t)n - 2));
		}
		h = eol + 2;
	}
	return found;
}

static void
expect_header(struct call *c, const char *name, const char *want)
{
	const char *got = resp_header(c, name);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("unexpected %s: %s", name, got);
	} else {
		if (got == NULL)
			fail_msg("missing %s (want %s)", name, want);
		assert_string_equal(got, want);
	}
}

static void
run_row(void **state)
{
	const struct row *r = *state;
	const struct principal *p;
	struct call c;

	call_run(&c, &r->pol, r->method, r->authz, r->cookie, r->origin,
	    r->referer);
	expect_header(&c, "Deprecation", r->deprecation ? "true" : NULL);
	expect_header(&c, "Set-Cookie", r->clears_cookie ? CLEAR_COOKIE : NULL);
	expect_header(&c, "WWW-Authenticate", r->www);
	if (r->status != 0) {
		if (c.ok)
			fail_msg("resolved, want %d %s", r->status, r->body);
		assert_null(c.req.principal);
		assert_int_equal(c.resp.status, r->status);
		assert_string_equal(c.resp.body.data, r->body);
		if (r->scim)
			assert_string_equal(c.resp.content_type,
			    "application/scim+json");
		else
			assert_null(c.resp.content_type);
		call_free(&c);
		return;
	}
	if (!c.ok)
		fail_msg("refused: %d %s", c.resp.status, c.resp.body.data);
	p = c.req.principal;
	assert_non_null(p);
	assert_int_equal(c.resp.status, 200);
	assert_int_equal(c.resp.body.len, 0);
	assert_int_equal(p->type, r->type);
	assert_int_equal(p->kind, r->kind);
	if (r->org == NULL)
		assert_null(p->org_id);
	else {
		assert_non_null(p->org_id);
		assert_string_equal(p->org_id, expand(&c.a, r->org));
	}
	assert_int_equal(p->role, r->role);
	assert_int_equal(p->scopes, r->scopes);
	assert_int_equal(p->nprojects, r->nprojects);
	if (r->nprojects == 0)
		assert_null(p->project_ids);
	else
		assert_non_null(p->project_ids);
	if (r->proj0 != NULL)
		assert_string_equal(p->project_ids[0], expand(&c.a, r->proj0));
	assert_non_null(auth_principal_label(&c.req));
	assert_string_equal(auth_principal_label(&c.req),
	    expand(&c.a, r->label));
	if (r->key_type != NULL) {
		assert_non_null(p->key_type);
		assert_string_equal(p->key_type, r->key_type);
	}
	assert_int_equal(p->platform_admin, r->platform_admin);
	assert_int_equal(p->deprecated, r->kind == CK_LEGACY_KEY);
	call_free(&c);
}

/* ------------------------------------------- scope and role helpers */

static void
scope_parse_knows_the_catalogue(void **state)
{
	for (int s = 0; s < SC__COUNT; s++) {
		const char *n = scope_name((enum scope)s);

		assert_int_equal(scope_parse(n, strlen(n)), s);
	}
	assert_int_equal(scope_parse("*", 1), SC_ALL);
	assert_int_equal(scope_parse("system", 6), SC_SYSTEM);
	assert_int_equal(scope_parse("sessions:readX", 13), SC_SESSIONS_READ);
	assert_int_equal(scope_parse("sessions:read", 12), -1);
	assert_int_equal(scope_parse("SESSIONS:READ", 13), -1);
	assert_int_equal(scope_parse("sessions:delete", 15), -1);
	assert_int_equal(scope_parse("", 0), -1);
	assert_int_equal(scope_parse("worker:*", 8), -1);
	assert_string_equal(scope_name(SC_ORG_KEYS_WRITE), "org_keys:write");
	assert_string_equal(scope_name(SC__COUNT), "?");
}

static void
scopes_from_json_reads_arrays_of_names(void **state)
{
	uint32_t s;

	assert_int_equal(scopes_from_json("[\"*\"]", &s), 0);
	assert_int_equal(s, SCOPE(SC_ALL));
	assert_int_equal(scopes_from_json("[\"sessions:read\",\"system\"]", &s), 0);
	assert_int_equal(s, SCOPE(SC_SESSIONS_READ) | SCOPE(SC_SYSTEM));
	assert_int_equal(scopes_from_json("[]", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(scopes_from_json("[\"bogus\"]", &s), -1);
	assert_int_equal(s, 0);
	assert_int_equal(scopes_from_json("[\"*\",1]", &s), -1);
	assert_int_equal(scopes_from_json("\"*\"", &s), -1);
	assert_int_equal(scopes_from_json("{\"a\":\"*\"}", &s), -1);
	assert_int_equal(scopes_from_json("[\"*\"", &s), -1);
	assert_int_equal(scopes_from_json("", &s), -1);
	assert_int_equal(scopes_from_json(NULL, &s), -1);
	assert_int_equal(s, 0);
}

static void
star_implies_everything_but_system(void **state)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	p.scopes = SCOPE(SC_ALL);
	for (int s = 0; s < SC__COUNT; s++)
		assert_int_equal(auth_has_scope(&p, (enum scope)s), s != SC_SYSTEM);
	p.scopes = SCOPE(SC_SYSTEM);
	assert_true(auth_has_scope(&p, SC_SYSTEM));
	assert_false(auth_has_scope(&p, SC_ALL));
	assert_false(auth_has_scope(&p, SC_ORG_KEYS_WRITE));
	assert_false(auth_has_scope(&p, SC_SESSIONS_READ));
	p.scopes = SCOPE(SC_SESSIONS_READ);
	assert_true(auth_has_scope(&p, SC_SESSIONS_READ));
	assert_false(auth_has_scope(&p, SC_SESSIONS_WRITE));
	assert_false(auth_has_scope(&p, SC_ALL));
	p.scopes = 0;
	for (int s = 0; s < SC__COUNT; s++)
		assert_false(auth_has_scope(&p, (enum scope)s));
}

static void
role_parse_knows_the_five_roles(void **state)
{
	static const char *const names[] = { "viewer", "auditor", "member",
	    "admin", "owner" };

	for (int i = 0; i < 5; i++) {
		assert_int_equal(role_parse(names[i]), ROLE_VIEWER + i);
		assert_string_equal(role_name(role_parse(names[i])), names[i]);
	}
	assert_int_equal(role_parse("Owner"), ROLE_NONE);
	assert_int_equal(role_parse("owner "), ROLE_NONE);
	assert_int_equal(role_parse(""), ROLE_NONE);
	assert_int_equal(role_parse(NULL), ROLE_NONE);
	assert_int_equal(role_parse("superuser"), ROLE_NONE);
	assert_null(role_name(ROLE_NONE));
	assert_true(ROLE_OWNER > ROLE_ADMIN && ROLE_ADMIN > ROLE_MEMBER &&
	    ROLE_MEMBER > ROLE_AUDITOR && ROLE_AUDITOR > ROLE_VIEWER);
}

/* ------------------------------------------------ Bearer parsing §1.1 */

static int
bearer_of(const char *header, char *tok, size_t cap)
{
	struct arena a;
	struct request req;
	char *env[3];
	const char *t = NULL;
	size_t n = 0;
	int r;

	arena_init(&a);
	env[0] = arena_strdup(&a, "REQUEST_METHOD=GET");
	env[1] = header ? arena_printf(&a, "HTTP_AUTHORIZATION=%s", header) : NULL;
	env[2] = NULL;
	http_request_init(&req, &a, NULL, env);
	r = auth_bearer(&req, &t, &n);
	if (r == 1 && tok != NULL) {
		assert_true(n < cap);
		memcpy(tok, t, n);
		tok[n] = '\0';
	}
	arena_free(&a);
	return r;
}

static void
bearer_token_is_1_to_4096_visible_bytes(void **state)
{
	char hdr[4200], tok[4200];

	assert_int_equal(bearer_of(NULL, tok, sizeof(tok)), 0);
	assert_int_equal(bearer_of("Bearer abc", tok, sizeof(tok)), 1);
	assert_string_equal(tok, "abc");
	assert_int_equal(bearer_of("bEARER   abc  ", tok, sizeof(tok)), 1);
	assert_string_equal(tok, "abc");
	assert_int_equal(bearer_of("Bearer !~", tok, sizeof(tok)), 1);
	assert_string_equal(tok, "!~");
	assert_int_equal(bearer_of("Bearer", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer ", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearerabc", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer\tabc", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer a\tb", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer a b", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer abc\x7f", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Bearer abc\xc3\xa9", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("Basic abc", tok, sizeof(tok)), -1);
	assert_int_equal(bearer_of("", tok, sizeof(tok)), -1);
	memcpy(hdr, "Bearer ", 7);
	memset(hdr + 7, 'x', 4096);
	hdr[7 + 4096] = '\0';
	assert_int_equal(bearer_of(hdr, tok, sizeof(tok)), 1);
	assert_int_equal(strlen(tok), 4096);
	memcpy(hdr + 7 + 4096, "   ", 4);     /* trailing spaces don't count */
	assert_int_equal(bearer_of(hdr, tok, sizeof(tok)), 1);
	assert_int_equal(strlen(tok), 4096);
	hdr[7 + 4096] = 'x';
	hdr[7 + 4097] = '\0';
	assert_int_equal(bearer_of(hdr, tok, sizeof(tok)), -1);
}

/* §9.4: the login form of the check (required = 0) passes without either
 * header but still refuses a mismatch. */
static void
origin_check_optional_for_login(void **state)
{
	static const struct {
		const char *origin, *referer;
		int required, want;
	} cases[] = {
		{ NULL, NULL, 0, 1 },
		{ NULL, NULL, 1, 0 },
		{ ORIGIN_OK, NULL, 0, 1 },
		{ "https://evil.example.com", NULL, 0, 0 },
		{ "null", NULL, 0, 0 },
		{ NULL, "https://rensei.example.com:443/login", 0, 1 },
		{ NULL, "https://evil.example.com/login", 0, 0 },
		{ NULL, "rensei.example.com", 1, 0 },
		{ "", NULL, 1, 0 },
		{ "https://rensei.example.com/", NULL, 1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena a;
		struct request req;
		char *env[4];
		int n = 0;

		arena_init(&a);
		env[n++] = arena_strdup(&a, "REQUEST_METHOD=POST");
		if (cases[i].origin)
			env[n++] = arena_printf(&a, "HTTP_ORIGIN=%s", cases[i].origin);
		if (cases[i].referer)
			env[n++] = arena_printf(&a, "HTTP_REFERER=%s",
			    cases[i].referer);
		env[n] = NULL;
		http_request_init(&req, &a, NULL, env);
		if (auth_origin_ok(&req, cases[i].required) != cases[i].want)
			fail_msg("case %zu: origin %s referer %s required %d", i,
			    cases[i].origin ? cases[i].origin : "-",
			    cases[i].referer ? cases[i].referer : "-",
			    cases[i].required);
		arena_free(&a);
	}
}

/* ----------------------------------------- usage stamps (§4.5 step 6) */

static int64_t
resolve_at(int64_t now, const struct auth_policy *pol, const char *authz,
    const char *cookie)
{
	struct call c;
	int ok;

	clock_set_fixed(now);
	call_run(&c, pol, "GET", authz, cookie, NULL, NULL);
	ok = c.ok;
	call_free(&c);
	clock_set_fixed(T0);
	return ok;
}

static const char sql_revoked_used[] = "SELECT count(*) FROM api_keys"
    " WHERE last_used_at IS NOT NULL AND revoked_at IS NOT NULL";

static void
api_key_last_used_stamped_once_a_minute(void **state)
{
	static const struct auth_policy pol = P_IDENT;
	const char *id = fxv("K_STAMP_ID");
	static const char sql[] =
	    "SELECT last_used_at FROM api_keys WHERE id = ?1";

	assert_int_equal(query_int(sql, id), 0);
	assert_true(resolve_at(T0 + 1000, &pol, "Bearer $K_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 1000);
	assert_true(resolve_at(T0 + 31000, &pol, "Bearer $K_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 1000);
	/* Exactly 60 000 ms later is not yet "older than 60 000 ms". */
	assert_true(resolve_at(T0 + 61000, &pol, "Bearer $K_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 1000);
	assert_true(resolve_at(T0 + 61001, &pol, "Bearer $K_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 61001);
	/* A rejected key is never stamped. */
	assert_false(resolve_at(T0 + 200000, &pol, "Bearer $K_REVOKED", NULL));
	assert_int_equal(query_int(sql_revoked_used, NULL), 0);
}

static void
registration_token_last_used_stamped_once_a_minute(void **state)
{
	static const struct auth_policy pol = P_POLL;
	const char *id = fxv("R_STAMP_ID");
	static const char sql[] =
	    "SELECT last_used_at FROM registration_tokens WHERE id = ?1";

	assert_int_equal(query_int(sql, id), 0);
	assert_true(resolve_at(T0 + 2000, &pol, "Bearer $R_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 2000);
	assert_true(resolve_at(T0 + 50000, &pol, "Bearer $R_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 2000);
	assert_true(resolve_at(T0 + 70000, &pol, "Bearer $R_STAMP", NULL));
	assert_int_equal(query_int(sql, id), T0 + 70000);
}

static void
scim_token_last_used_stamped_once_a_minute(void **state)
{
	static const struct auth_policy pol = P_SCIM;
	const char *id = fxv("S_VALID_ID");
	static const char sql[] =
	    "SELECT last_used_at FROM scim_tokens WHERE id = ?1";

	exec_sql("UPDATE scim_tokens SET last_used_at = NULL WHERE id = '%s'", id);
	assert_true(resolve_at(T0 + 3000, &pol, "Bearer $S_VALID", NULL));
	assert_int_equal(query_int(sql, id), T0 + 3000);
	assert_true(resolve_at(T0 + 33000, &pol, "Bearer $S_VALID", NULL));
	assert_int_equal(query_int(sql, id), T0 + 3000);
	assert_true(resolve_at(T0 + 63001, &pol, "Bearer $S_VALID", NULL));
	assert_int_equal(query_int(sql, id), T0 + 63001);
}

static void
cookie_last_seen_refreshed_once_a_minute(void **state)
{
	static const struct auth_policy pol = P_COOKIE_ME;
	const char *cookie = add_session(fxv("U_OWNER"),
	    fxv("ORG_A"), T0 - 1000, T0 - 1000);
	char hash[SHA256_HEX_LEN + 1];
	static const char sql[] =
	    "SELECT last_seen_at FROM user_sessions WHERE id_hash = ?1";

	sha256_hex(hash, cookie, strlen(cookie));
	assert_true(resolve_at(T0 + 30000, &pol, NULL, cookie));
	assert_int_equal(query_int(sql, hash), T0 - 1000);
	assert_true(resolve_at(T0 + 59001, &pol, NULL, cookie));
	assert_int_equal(query_int(sql, hash), T0 + 59001);
	/* Idle expiry counts from the refreshed lastSeenAt. */
	assert_true(resolve_at(T0 + 59001 + 43199000, &pol, NULL, cookie));
	assert_int_equal(query_int(sql, hash), T0 + 59001 + 43199000);
}

/* §9.2: an invalid cookie's row is deleted server-side. */
static void
invalid_cookie_row_deleted(void **state)
{
	static const struct auth_policy pol = P_COOKIE_ME;
	const char *idle = add_session(fxv("U_OWNER"), fxv("ORG_A"),
	    T0 - 86400000, T0 - 43200001);
	const char *valid = add_session(fxv("U_OWNER"), fxv("ORG_A"),
	    T0 - 1000, T0 - 1000);
	char h1[SHA256_HEX_LEN + 1], h2[SHA256_HEX_LEN + 1];
	static const char sql[] =
	    "SELECT count(*) FROM user_sessions WHERE id_hash = ?1";

	sha256_hex(h1, idle, strlen(idle));
	sha256_hex(h2, valid, strlen(valid));
	assert_int_equal(query_int(sql, h1), 1);
	assert_false(resolve_at(T0, &pol, NULL, idle));
	assert_int_equal(query_int(sql, h1), 0);
	assert_true(resolve_at(T0, &pol, NULL, valid));
	assert_int_equal(query_int(sql, h2), 1);
}

/* /v1/daemon/register: the body token goes through the same
 * classification (§8, §15). */
static void
resolve_token_classifies_body_tokens(void **state)
{
	static const struct auth_policy pol = P_REGISTER;
	struct call c;
	const char *tok = fxv("R_VALID");

	call_run(&c, &pol, "POST", NULL, NULL, NULL, NULL);
	assert_false(c.ok);     /* no header: U1 */
	call_free(&c);

	call_run(&c, &pol, "POST", NULL, NULL, NULL, NULL);
	http_response_reset(&c.resp);
	assert_true(auth_resolve_token(&c.req, &c.resp, &pol, tok, strlen(tok)));
	assert_non_null(c.req.principal);
	assert_int_equal(c.req.principal->kind, CK_REGISTRATION_TOKEN);
	http_response_reset(&c.resp);
	c.req.principal = NULL;
	tok = fxv("RT_EXPIRED");
	assert_false(auth_resolve_token(&c.req, &c.resp, &pol, tok, strlen(tok)));
	assert_int_equal(c.resp.status, 401);
	assert_string_equal(c.resp.body.data, B_U2);
	http_response_reset(&c.resp);
	tok = fxv("J_VALID");
	assert_false(auth_resolve_token(&c.req, &c.resp, &pol, tok, strlen(tok)));
	assert_int_equal(c.resp.status, 403);
	assert_string_equal(c.resp.body.data, B_F2("worker:register"));
	call_free(&c);
}

/* ------------------------------------- store unavailable (00 §3: 503) */

#define B_503 "{\"error\":\"Service Unavailable\",\"message\":\"Store unavailable\"}"

/* Runs one request with table `table` renamed away, so every statement
 * on it fails inside the store; expects a 503 with Retry-After and no
 * 401 header, no cookie clearing and no Deprecation. */
static void
expect_503_without(const char *table, const struct auth_policy *pol,
    const char *authz, const char *cookie, const char *body)
{
	struct call c;

	exec_sql("ALTER TABLE %s RENAME TO %s_off", table, table);
	call_run(&c, pol, "GET", authz, cookie, NULL, NULL);
	exec_sql("ALTER TABLE %s_off RENAME TO %s", table, table);
	assert_false(c.ok);
	assert_null(c.req.principal);
	assert_int_equal(c.resp.status, 503);
	assert_string_equal(c.resp.body.data, body);
	expect_header(&c, "Retry-After", "1");
	expect_header(&c, "WWW-Authenticate", NULL);
	expect_header(&c, "Set-Cookie", NULL);
	expect_header(&c, "Deprecation", NULL);
	call_free(&c);
}

static void
store_failure_is_503_not_401(void **state)
{
	static const struct auth_policy console = P_CONSOLE, poll = P_POLL,
	    scim = P_SCIM;

	expect_503_without("api_keys", &console, "Bearer $K_ORG", NULL, B_503);
	expect_503_without("registration_tokens", &poll, "Bearer $R_VALID",
	    NULL, B_503);
	expect_503_without("m2m_clients", &console, "Bearer $J_VALID", NULL,
	    B_503);
	expect_503_without("scim_tokens", &scim, "Bearer $S_VALID", NULL,
	    "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
	    "\"status\":\"503\",\"detail\":\"Store unavailable\"}");
	/* The credentials work again once the store does. */
	assert_true(resolve_at(T0, &console, "Bearer $K_ORG", NULL));
	assert_true(resolve_at(T0, &poll, "Bearer $R_VALID", NULL));
	assert_true(resolve_at(T0, &console, "Bearer $J_VALID", NULL));
	assert_true(resolve_at(T0, &scim, "Bearer $S_VALID", NULL));
}

/* §9.2 deletes and clears an invalid cookie; a store failure says nothing
 * about the cookie, so the user stays logged in. */
static void
store_failure_keeps_the_cookie(void **state)
{
	static const struct auth_policy pol = P_COOKIE_ME;
	static const char sql[] =
	    "SELECT count(*) FROM user_sessions WHERE id_hash = ?1";
	const char *cookie = add_session(fxv("U_OWNER"), fxv("ORG_A"),
	    T0 - 1000, T0 - 1000);
	char hash[SHA256_HEX_LEN + 1];

	sha256_hex(hash, cookie, strlen(cookie));
	expect_503_without("user_sessions", &pol, NULL, cookie, B_503);
	assert_int_equal(query_int(sql, hash), 1);
	assert_true(resolve_at(T0, &pol, NULL, cookie));
}

/* §7: the legacy key acts for the default org; without one it cannot act
 * (U1), rather than yield a principal without an org. */
static void
legacy_key_without_default_org_refused(void **state)
{
	static const struct auth_policy pol = P_POLL;
	struct call c;

	exec_sql("UPDATE orgs SET is_default = 0");
	call_run(&c, &pol, "GET", "Bearer " LEGACY_KEY, NULL, NULL, NULL);
	exec_sql("UPDATE orgs SET is_default = 1 WHERE id = '%s'", fxv("ORG_A"));
	assert_false(c.ok);
	assert_int_equal(c.resp.status, 401);
	assert_string_equal(c.resp.body.data, B_U1);
	expect_header(&c, "WWW-Authenticate", WWW_TOKEN);
	expect_header(&c, "Deprecation", NULL);
	call_free(&c);
	assert_true(resolve_at(T0, &pol, "Bearer " LEGACY_KEY, NULL));
}

/* 01-auth.md §12, §15: the session-hash credential.  Header first, else
 * the query; form check, recompute, constant-time compare; every failure
 * (wrong, malformed, no such session) is U8 and sets no principal. */
static void
session_hash_credential(void **state)
{
	static const char tid[] = "5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
	char good[SESSION_HASH_LEN + 1], bad[SESSION_HASH_LEN + 1];
	struct call c;
	const char *h;
	size_t n;
	char *env[4];

	(void)state;
	assert_int_equal(session_hash(good, tid), 0);
	memcpy(bad, good, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';

	arena_init(&c.a);
	/* Header wins over the query. */
	env[0] = "REQUEST_METHOD=GET";
	env[1] = "QUERY_STRING=sessionHash=fromquery";
	env[2] = arena_printf(&c.a, "HTTP_X_RENSEI_SESSION_HASH=%s", good);
	env[3] = NULL;
	http_request_init(&c.req, &c.a, NULL, env);
	http_response_init(&c.resp);
	assert_int_equal(auth_session_hash_supplied(&c.req, &h, &n), 1);
	assert_int_equal(n, SESSION_HASH_LEN);
	assert_memory_equal(h, good, SESSION_HASH_LEN);
	assert_int_equal(auth_resolve_session_hash(&c.req, &c.resp, h, n, tid,
	    "org_a", "8994bbb3a9d14d97"), 1);
	assert_non_null(c.req.principal);
	assert_int_equal(c.req.principal->kind, CK_SESSION_HASH);
	assert_int_equal(c.req.principal->type, PT_SESSION_HASH);
	assert_string_equal(c.req.principal->session_id, tid);
	assert_string_equal(c.req.principal->org_id, "org_a");
	assert_string_equal(c.req.principal->key_id, "8994bbb3a9d14d97");
	http_response_free(&c.resp);

	/* The query when there is no header; absent when neither. */
	env[1] = "QUERY_STRING=x=1&sessionHash=abc";
	env[2] = NULL;
	http_request_init(&c.req, &c.a, NULL, env);
	http_response_init(&c.resp);
	assert_int_equal(auth_session_hash_supplied(&c.req, &h, &n), 1);
	assert_int_equal(n, 3);
	/* Malformed → U8. */
	assert_int_equal(auth_resolve_session_hash(&c.req, &c.resp, h, n, tid,
	    "org_a", NULL), 0);
	assert_int_equal(c.resp.status, 401);
	assert_string_equal(c.resp.body.data,
	    "{\"error\":\"Unauthorized\",\"message\":\"Invalid session hash\"}");
	assert_null(c.req.principal);
	http_response_free(&c.resp);

	env[1] = "QUERY_STRING=x=1";
	http_request_init(&c.req, &c.a, NULL, env);
	http_response_init(&c.resp);
	assert_int_equal(auth_session_hash_supplied(&c.req, &h, &n), 0);
	/* Wrong hash, a hash of another session, no such session: U8. */
	assert_int_equal(auth_resolve_session_hash(&c.req, &c.resp, bad,
	    SESSION_HASH_LEN, tid, "org_a", NULL), 0);
	assert_int_equal(c.resp.status, 401);
	http_response_free(&c.resp);
	http_response_init(&c.resp);
	assert_int_equal(auth_resolve_session_hash(&c.req, &c.resp, good,
	    SESSION_HASH_LEN, "another-session", "org_a", NULL), 0);
	assert_int_equal(c.resp.status, 401);
	http_response_free(&c.resp);
	http_response_init(&c.resp);
	assert_int_equal(auth_resolve_session_hash(&c.req, &c.resp, good,
	    SESSION_HASH_LEN, NULL, NULL, NULL), 0);
	assert_int_equal(c.resp.status, 401);
	assert_null(c.req.principal);
	http_response_free(&c.resp);
	arena_free(&c.a);
}

/* ----------------------------------------------------------------- main */

static const struct CMUnitTest unit_tests[] = {
	cmocka_unit_test(scope_parse_knows_the_catalogue),
	cmocka_unit_test(scopes_from_json_reads_arrays_of_names),
	cmocka_unit_test(star_implies_everything_but_system),
	cmocka_unit_test(role_parse_knows_the_five_roles),
	cmocka_unit_test(bearer_token_is_1_to_4096_visible_bytes),
	cmocka_unit_test(origin_check_optional_for_login),
	cmocka_unit_test(api_key_last_used_stamped_once_a_minute),
	cmocka_unit_test(registration_token_last_used_stamped_once_a_minute),
	cmocka_unit_test(scim_token_last_used_stamped_once_a_minute),
	cmocka_unit_test(cookie_last_seen_refreshed_once_a_minute),
	cmocka_unit_test(invalid_cookie_row_deleted),
	cmocka_unit_test(resolve_token_classifies_body_tokens),
	cmocka_unit_test(store_failure_is_503_not_401),
	cmocka_unit_test(store_failure_keeps_the_cookie),
	cmocka_unit_test(legacy_key_without_default_org_refused),
	cmocka_unit_test(session_hash_credential),
};
#define NUNIT (sizeof(unit_tests) / sizeof(unit_tests[0]))

int
main(void)
{
	/* One cmocka test per table row, named by the row, then the unit
	 * tests; all share the group's fixtures. */
	static struct CMUnitTest tests[NROWS + NUNIT];
	int rc;

	for (size_t i = 0; i < NROWS; i++) {
		tests[i].name = rows[i].name;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	for (size_t i = 0; i < NUNIT; i++)
		tests[NROWS + i] = unit_tests[i];
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	/* Also when the group setup failed half-way (no teardown then). */
	if (datadir[0] != '\0')
		nftw(datadir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}
