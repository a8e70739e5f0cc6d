/*
 * settings.c -- settings of 01-auth.md §16, table-driven.
 *
 * Each setting is one row: name, kind, default, range, and where it lands
 * in struct config.  The same table validates the environment and the
 * key = value file, so the two sources can never disagree.
 */
#include "config.h"
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct config cfg;

enum kind { K_STR, K_INT, K_FRAC, K_HEX, K_HEX32, K_ALG, K_URL, K_WORKER_KEY };

struct setting {
	const char *name;
	enum kind   kind;
	const char *def;        /* NULL = unset */
	int64_t     min, max;   /* K_INT range */
	size_t      off;        /* offset in struct config */
};

#define F(m) offsetof(struct config, m)
#define IMAX 2147483647

static const struct setting settings[] = {
	{ "RENSEI_DATA_DIR", K_STR, "/var/lib/rensei", 0, 0, F(data_dir) },
	{ "RENSEI_RUN_DIR", K_STR, "/run/rensei", 0, 0, F(run_dir) },
	{ "PUBLIC_BASE_URL", K_URL, NULL, 0, 0, F(public_base_url) },
	{ "WORKER_API_KEY", K_WORKER_KEY, NULL, 0, 0, F(worker_api_key) },
	{ "RENSEI_RUNTIME_JWT_SECRET", K_HEX, NULL, 0, 0, F(runtime_jwt_secret_hex) },
	{ "M2M_JWT_SECRET", K_HEX, NULL, 0, 0, F(m2m_jwt_secret_hex) },
	{ "M2M_ED25519_SEED", K_HEX32, NULL, 0, 0, F(m2m_ed25519_seed_hex) },
	{ "RENSEI_SESSION_HASH_SECRET", K_HEX, NULL, 0, 0, F(session_hash_secret_hex) },
	{ "SESSION_HASH_SALT", K_HEX, NULL, 0, 0, F(session_hash_salt_hex) },
	{ "RENSEI_SEAL_KEY", K_HEX32, NULL, 0, 0, F(seal_key_hex) },
	{ "AUDIT_SIGNING_MASTER_KEY", K_HEX32, NULL, 0, 0, F(audit_master_key_hex) },
	{ "M2M_JWT_ALG", K_ALG, "HS256", 0, 0, F(m2m_alg) },
	{ "RENSEI_RUNTIME_TOKEN_TTL", K_INT, "3600", 300, 86400, F(runtime_token_ttl) },
	{ "RENSEI_REGISTRATION_TOKEN_TTL", K_INT, "86400", 300, 31536000, F(registration_token_ttl) },
	{ "M2M_TOKEN_LIFETIME", K_INT, "3600", 60, 86400, F(m2m_token_lifetime) },
	{ "RENSEI_SESSION_IDLE", K_INT, "43200", 0, IMAX, F(session_idle) },
	{ "RENSEI_SESSION_MAX_AGE", K_INT, "604800", 0, IMAX, F(session_max_age) },
	{ "RENSEI_CLOCK_LEEWAY", K_INT, "60", 0, IMAX, F(clock_leeway) },
	{ "WORKER_TTL", K_INT, "300", 0, IMAX, F(worker_ttl) },
	{ "WORKER_HEARTBEAT_TIMEOUT", K_INT, "180000", 0, IMAX, F(worker_heartbeat_timeout) },
	{ "WORKER_HEARTBEAT_INTERVAL", K_INT, "30000", 0, IMAX, F(worker_heartbeat_interval) },
	{ "WORKER_POLL_INTERVAL", K_INT, "5000", 0, IMAX, F(worker_poll_interval) },
	{ "WORK_CLAIM_TTL", K_INT, "3600", 0, IMAX, F(work_claim_ttl) },
	{ "RENSEI_ISSUE_LOCK_TTL", K_INT, "7200", 0, IMAX, F(issue_lock_ttl) },
	{ "RENSEI_ORPHAN_THRESHOLD", K_INT, "120000", 0, IMAX, F(orphan_threshold) },
	{ "RENSEI_ZOMBIE_THRESHOLD", K_INT, "300", 0, IMAX, F(zombie_threshold) },
	{ "RENSEI_CLEANUP_INTERVAL", K_INT, "60", 0, IMAX, F(cleanup_interval) },
	{ "RENSEI_POLL_BATCH", K_INT, "5", 0, IMAX, F(poll_batch) },
	{ "RENSEI_INBOX_READ", K_INT, "10", 0, IMAX, F(inbox_read) },
	{ "RENSEI_ACTIVITY_RING", K_INT, "200", 0, IMAX, F(activity_ring) },
	{ "RENSEI_INBOX_ARCHIVE_DAYS", K_INT, "7", 0, IMAX, F(inbox_archive_days) },
	{ "RENSEI_NACK_EXCLUSION", K_INT, "300", 0, IMAX, F(nack_exclusion) },
	{ "RENSEI_SESSIONS_LIST_LIMIT", K_INT, "100", 1, 500, F(sessions_list_limit) },
	{ "STOP_GRACE_MS", K_INT, "120000", 0, IMAX, F(stop_grace_ms) },
	{ "ROUTING_EXPLORATION_RATE", K_FRAC, "0.1", 0, 1, F(routing_exploration_rate) },
	{ "WEBHOOK_BODY_RETENTION_DAYS", K_INT, "14", 0, IMAX, F(webhook_body_retention_days) },
	{ "WEBHOOK_ROW_RETENTION_DAYS", K_INT, "90", 0, IMAX, F(webhook_row_retention_days) },
	{ "A2A_AGENT_NAME", K_STR, "Rensei", 0, 0, F(a2a_agent_name) },
	{ "A2A_AGENT_DESCRIPTION", K_STR, NULL, 0, 0, F(a2a_agent_description) },
	{ "A2A_SKILLS_FILE", K_STR, NULL, 0, 0, F(a2a_skills_file) },
	{ "A2A_STREAM_POLL_MS", K_INT, "1000", 250, 5000, F(a2a_stream_poll_ms) },
	{ "A2A_STREAM_MAX_S", K_INT, "300", 0, 3600, F(a2a_stream_max_s) },
	{ "A2A_MAX_STREAMS", K_INT, NULL, 1, IMAX, F(a2a_max_streams) },
	{ "MCP_ALLOWED_ORIGINS", K_STR, NULL, 0, 0, F(mcp_allowed_origins) },
	{ "AUDIT_TSA_URL", K_STR, NULL, 0, 0, F(audit_tsa_url) },
	{ "AUDIT_TSA_CA_FILE", K_STR, NULL, 0, 0, F(audit_tsa_ca_file) },
	{ "AUDIT_VERIFY_MAX_EVENTS", K_INT, "100000", 0, IMAX, F(audit_verify_max_events) },
	{ "RENSEI_CREDENTIAL_REFRESH", K_INT, "3600", 60, 86400, F(credential_refresh) },
	{ "RENSEI_CREDENTIAL_STREAM_MAX_S", K_INT, "300", 30, 3600, F(credential_stream_max_s) },
	{ "RENSEI_CREDENTIAL_STREAM_POLL_MS", K_INT, "1000", 250, 5000, F(credential_stream_poll_ms) },
	{ "RENSEI_CREDENTIAL_STREAMS", K_INT, "16", 1, 256, F(credential_streams) },
	{ "RENSEI_PUBLIC_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_PUBLIC]) },
	{ "RENSEI_CONSOLE_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_CONSOLE]) },
	{ "RENSEI_WORKERS_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_WORKERS]) },
	{ "RENSEI_DAEMON_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_DAEMON]) },
	{ "RENSEI_OAUTH_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_OAUTH]) },
	{ "RENSEI_WEBHOOKS_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_WEBHOOKS]) },
	{ "RENSEI_A2A_PROCS", K_INT, "4", 1, 64, F(procs[GROUP_A2A]) },
	{ "RENSEI_MCP_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_MCP]) },
	{ "RENSEI_AUDIT_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_AUDIT]) },
	{ "RENSEI_DISCOVERY_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_DISCOVERY]) },
	{ "RENSEI_SCIM_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_SCIM]) },
	{ "RENSEI_ADMIN_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_ADMIN]) },
	{ "RENSEI_HEALTH_PROCS", K_INT, "2", 1, 64, F(procs[GROUP_HEALTH]) },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *const group_names[GROUP__COUNT] = {
	"public", "console", "workers", "daemon", "oauth", "webhooks", "a2a",
	"mcp", "audit", "discovery", "scim", "admin", "health"
};

/* Values read from the file, parallel to settings[]; strdup'd. */
static char *file_values[NSETTINGS];
static char *config_file_path;
static char public_origin[512];

const char *
group_name(enum group g)
{
	return (unsigned)g < GROUP__COUNT ? group_names[g] : "?";
}

const char *
config_public_origin(void)
{
	return public_origin;
}

/* Strict decimal integer: optional '-', digits only, no overflow. */
static int
parse_int(const char *s, int64_t *out)
{
	int64_t v = 0;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* Decimal fraction: digits, optional '.' and digits. */
static int
parse_frac(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits++;
		}
	}
	if (*p != '\0' || digits == 0)
		return -1;
	*out = strtod(s, NULL);
	return 0;
}

static int
is_hex_lower(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int
origin_normalise(char *out, size_t outlen, const char *s, size_t n)
{
	char scheme[8], host[300];
	size_t i = 0, h = 0, sl;
	const char *p, *end = s + n;
	long port = -1;

	p = memchr(s, ':', n);
	if (p == NULL || (size_t)(p - s) >= sizeof(scheme))
		return -1;
	sl = (size_t)(p - s);
	for (i = 0; i < sl; i++)
		scheme[i] = (char)tolower((unsigned char)s[i]);
	scheme[sl] = '\0';
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		return -1;
	if (end - p < 4 || p[1] != '/' || p[2] != '/')
		return -1;
	p += 3;
	while (p < end && *p != ':' && *p != '/') {
		unsigned char c = (unsigned char)*p;

		if (h + 1 >= sizeof(host) || c <= 0x20 || c >= 0x7f || c == '@' ||
		    c == '?' || c == '#')
			return -1;
		host[h++] = (char)tolower(c);
		p++;
	}
	host[h] = '\0';
	if (h == 0)
		return -1;
	if (p < end && *p == ':') {
		port = 0;
		p++;
		if (p == end)
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			port = port * 10 + (*p - '0');
			if (port > 65535)
				return -1;
			p++;
		}
	}
	if (p != end)
		return -1;
	if ((port == 80 && strcmp(scheme, "http") == 0) ||
	    (port == 443 && strcmp(scheme, "https") == 0))
		port = -1;
	if (port >= 0)
		snprintf(out, outlen, "%s://%s:%ld", scheme, host, port);
	else
		snprintf(out, outlen, "%s://%s", scheme, host);
	return 0;
}

static int
apply(const struct setting *s, const char *v, char *err, size_t errlen)
{
	char *base = (char *)&cfg;
	int64_t iv;
	double dv;

	switch (s->kind) {
	case K_STR:
		*(const char **)(base + s->off) = v;
		return 0;
	case K_URL:
		if (origin_normalise(public_origin, sizeof(public_origin), v,
		    strlen(v)) == -1) {
			snprintf(err, errlen, "%s: must be scheme://host[:port] "
			    "without path or trailing slash", s->name);
			return -1;
		}
		*(const char **)(base + s->off) = v;
		return 0;
	case K_WORKER_KEY:
		/* 01-auth.md §7: too short is refused, the mode stays off. */
		*(const char **)(base + s->off) = strlen(v) >= 32 ? v : NULL;
		if (*v != '\0' && strlen(v) < 32)
			fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"config: "
			    "WORKER_API_KEY shorter than 32 characters; legacy "
			    "key mode off\"}\n");
		return 0;
	case K_HEX:
	case K_HEX32:
		if (!is_hex_lower(v) || strlen(v) % 2 != 0 || strlen(v) < 64 ||
		    (s->kind == K_HEX32 && strlen(v) != 64)) {
			snprintf(err, errlen, "%s: must be %s lowercase hex "
			    "characters", s->name,
			    s->kind == K_HEX32 ? "exactly 64" : "an even number >= 64 of");
			return -1;
		}
		*(const char **)(base + s->off) = v;
		return 0;
	case K_ALG:
		if (strcmp(v, "HS256") == 0)
			cfg.m2m_alg = M2M_HS256;
		else if (strcmp(v, "EdDSA") == 0)
			cfg.m2m_alg = M2M_EDDSA;
		else {
			snprintf(err, errlen, "%s: must be HS256 or EdDSA", s->name);
			return -1;
		}
		return 0;
	case K_INT:
		if (parse_int(v, &iv) == -1 || iv < s->min || iv > s->max) {
			snprintf(err, errlen, "%s: must be an integer between "
			    "%lld and %lld", s->name, (long long)s->min,
			    (long long)s->max);
			return -1;
		}
		*(int64_t *)(base + s->off) = iv;
		return 0;
	case K_FRAC:
		if (parse_frac(v, &dv) == -1 || dv < (double)s->min ||
		    dv > (double)s->max) {
			snprintf(err, errlen, "%s: must be a decimal number between "
			    "%lld and %lld", s->name, (long long)s->min,
			    (long long)s->max);
			return -1;
		}
		*(double *)(base + s->off) = dv;
		return 0;
	}
	return -1;
}

static void
trim(char **s)
{
	char *e;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	e = *s + strlen(*s);
	while (e > *s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
}

static int
read_file(const char *path, char *err, size_t errlen)
{
	char line[8192];
	FILE *f;
	int lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "RENSEI_CONFIG: cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *k = line, *v, *eq;
		size_t i;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "RENSEI_CONFIG: %s:%d: line too long",
			    path, lineno);
			goto out;
		}
		trim(&k);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "RENSEI_CONFIG: %s:%d: expected "
			    "key = value", path, lineno);
			goto out;
		}
		*eq = '\0';
		v = eq + 1;
		trim(&k);
		trim(&v);
		for (i = 0; i < NSETTINGS; i++)
			if (strcmp(settings[i].name, k) == 0)
				break;
		if (i == NSETTINGS) {
			snprintf(err, errlen, "%s: unknown setting in %s:%d", k,
			    path, lineno);
			goto out;
		}
		free(file_values[i]);
		if ((file_values[i] = strdup(v)) == NULL)
			abort();
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

void
config_free(void)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		free(file_values[i]);
		file_values[i] = NULL;
	}
	free(config_file_path);
	config_file_path = NULL;
}

int
config_load(int flags, char *err, size_t errlen)
{
	const char *path;

	config_free();
	memset(&cfg, 0, sizeof(cfg));
	/* cfg is cleared, so is the origin derived from it: a load without
	 * PUBLIC_BASE_URL must not keep an earlier load's CSRF origin. */
	public_origin[0] = '\0';
	path = getenv("RENSEI_CONFIG");
	if (path == NULL || *path == '\0') {
		path = NULL;
		if (access("/etc/rensei/rensei.conf", F_OK) == 0)
			path = "/etc/rensei/rensei.conf";
	}
	if (path != NULL) {
		if ((config_file_path = strdup(path)) == NULL)
			abort();
		if (read_file(config_file_path, err, errlen) == -1)
			return -1;
		cfg.config_file = config_file_path;
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		const char *v = getenv(s->name);

		/* An empty variable is unset (a string setting excepted, where
		 * "" is a value): the file still applies, then the default. */
		if (v == NULL || (*v == '\0' && s->kind != K_STR))
			v = file_values[i];
		if (v == NULL || (*v == '\0' && s->kind != K_STR))
			v = s->def;
		if (v == NULL)
			continue;
		if (apply(s, v, err, errlen) == -1)
			return -1;
	}
	if (cfg.public_base_url == NULL && !(flags & CONFIG_NO_PUBLIC_URL)) {
		snprintf(err, errlen, "PUBLIC_BASE_URL: required (scheme + "
		    "host[:port], e.g. https://rensei.example.com)");
		return -1;
	}
	if (cfg.a2a_max_streams == 0)
		cfg.a2a_max_streams = cfg.procs[GROUP_A2A] > 3 ?
		    cfg.procs[GROUP_A2A] - 2 : 1;
	return 0;
}
