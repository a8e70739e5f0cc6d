/*
 * settings.h -- every setting of 01-auth.md §16, validated at start.
 *
 * Sources, highest first: the environment, then the key = value file named
 * by RENSEI_CONFIG (default /etc/rensei/rensei.conf when it exists), then
 * the defaults below.  A bad value, an unknown key in the file or a missing
 * required setting makes config_load() fail with the variable's name; the
 * caller logs it and exits with EX_CONFIG (78).
 */
#ifndef RENSEI_SETTINGS_H
#define RENSEI_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define EX_CONFIG 78

enum m2m_alg { M2M_HS256, M2M_EDDSA };

/* Route groups of 00-overview.md §1; index into config.procs. */
enum group {
	GROUP_PUBLIC, GROUP_CONSOLE, GROUP_WORKERS, GROUP_DAEMON, GROUP_OAUTH,
	GROUP_WEBHOOKS, GROUP_A2A, GROUP_MCP, GROUP_AUDIT, GROUP_DISCOVERY,
	GROUP_SCIM, GROUP_ADMIN, GROUP_HEALTH, GROUP__COUNT
};

struct config {
	const char *config_file;       /* NULL when none */
	const char *data_dir;
	const char *run_dir;
	const char *public_base_url;
	const char *worker_api_key;    /* NULL = legacy mode off */
	/* secrets given as variables (hex); NULL = use the file */
	const char *runtime_jwt_secret_hex;
	const char *m2m_jwt_secret_hex;
	const char *m2m_ed25519_seed_hex;
	const char *session_hash_secret_hex;
	const char *session_hash_salt_hex;
	const char *seal_key_hex;
	const char *audit_master_key_hex;
	enum m2m_alg m2m_alg;
	int64_t runtime_token_ttl, registration_token_ttl, m2m_token_lifetime;
	int64_t session_idle, session_max_age, clock_leeway;
	int64_t worker_ttl, worker_heartbeat_timeout, worker_heartbeat_interval;
	int64_t worker_poll_interval, work_claim_ttl, issue_lock_ttl;
	int64_t orphan_threshold, zombie_threshold, cleanup_interval;
	int64_t poll_batch, inbox_read, activity_ring, inbox_archive_days;
	int64_t nack_exclusion, sessions_list_limit, stop_grace_ms;
	double  routing_exploration_rate;
	int64_t webhook_body_retention_days, webhook_row_retention_days;
	const char *a2a_agent_name, *a2a_agent_description, *a2a_skills_file;
	int64_t a2a_stream_poll_ms, a2a_stream_max_s, a2a_max_streams;
	const char *mcp_allowed_origins;
	const char *audit_tsa_url, *audit_tsa_ca_file;
	int64_t audit_verify_max_events;
	int64_t credential_refresh, credential_stream_max_s;
	int64_t credential_stream_poll_ms, credential_streams;
	int64_t procs[GROUP__COUNT];
};

extern struct config cfg;

/* Loads and validates everything into cfg.  On failure writes
 * "<VARIABLE>: <reason>" into err and returns -1. */
int  config_load(int flags, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* The admin CLI works without PUBLIC_BASE_URL (it serves no HTTP). */
#define CONFIG_NO_PUBLIC_URL 0x1
/* Lower-case group name ("health") and its PROCS variable. */
const char *group_name(enum group g);
/* Normalised origin of PUBLIC_BASE_URL for CSRF checks (01-auth.md §9.4). */
const char *config_public_origin(void);
/* Normalises scheme://host[:port] (lowercase, default port dropped) into
 * out; -1 when s is not such an origin. */
int  origin_normalise(char *out, size_t outlen, const char *s, size_t n);
/* Frees what config_load allocated (for leak-clean tests). */
void config_free(void);

#endif
