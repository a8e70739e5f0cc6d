/*
 * t/unit/settings.c -- lib/settings.c and lib/secrets.c: the settings and
 * secret files of 01-auth.md §16.
 *
 * Every test starts from an environment with none of the §16 variables
 * set and RENSEI_CONFIG naming an empty file in a fresh temp dir (so
 * /etc/rensei/rensei.conf never leaks in), and removes both at the end.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto.h"
#include "secrets.h"
#include "settings.h"

static const char *const all_vars[] = {
	"RENSEI_CONFIG", "RENSEI_DATA_DIR", "RENSEI_RUN_DIR", "PUBLIC_BASE_URL",
	"WORKER_API_KEY", "RENSEI_RUNTIME_JWT_SECRET", "M2M_JWT_SECRET",
	"M2M_ED25519_SEED", "RENSEI_SESSION_HASH_SECRET", "SESSION_HASH_SALT",
	"RENSEI_SEAL_KEY", "AUDIT_SIGNING_MASTER_KEY", "M2M_JWT_ALG",
	"RENSEI_RUNTIME_TOKEN_TTL", "RENSEI_REGISTRATION_TOKEN_TTL",
	"M2M_TOKEN_LIFETIME", "RENSEI_SESSION_IDLE", "RENSEI_SESSION_MAX_AGE",
	"RENSEI_CLOCK_LEEWAY", "WORKER_TTL", "WORKER_HEARTBEAT_TIMEOUT",
	"WORKER_HEARTBEAT_INTERVAL", "WORKER_POLL_INTERVAL", "WORK_CLAIM_TTL",
	"RENSEI_ISSUE_LOCK_TTL", "RENSEI_ORPHAN_THRESHOLD",
	"RENSEI_ZOMBIE_THRESHOLD", "RENSEI_CLEANUP_INTERVAL", "RENSEI_POLL_BATCH",
	"RENSEI_INBOX_READ", "RENSEI_ACTIVITY_RING", "RENSEI_INBOX_ARCHIVE_DAYS",
	"RENSEI_NACK_EXCLUSION", "RENSEI_SESSIONS_LIST_LIMIT", "STOP_GRACE_MS",
	"ROUTING_EXPLORATION_RATE", "WEBHOOK_BODY_RETENTION_DAYS",
	"WEBHOOK_ROW_RETENTION_DAYS", "A2A_AGENT_NAME", "A2A_AGENT_DESCRIPTION",
	"A2A_SKILLS_FILE", "A2A_STREAM_POLL_MS", "A2A_STREAM_MAX_S",
	"A2A_MAX_STREAMS", "MCP_ALLOWED_ORIGINS", "AUDIT_TSA_URL",
	"AUDIT_TSA_CA_FILE", "AUDIT_VERIFY_MAX_EVENTS",
	"RENSEI_CREDENTIAL_REFRESH", "RENSEI_CREDENTIAL_STREAM_MAX_S",
	"RENSEI_CREDENTIAL_STREAM_POLL_MS", "RENSEI_CREDENTIAL_STREAMS",
	"RENSEI_PUBLIC_PROCS", "RENSEI_CONSOLE_PROCS", "RENSEI_WORKERS_PROCS",
	"RENSEI_DAEMON_PROCS", "RENSEI_OAUTH_PROCS", "RENSEI_WEBHOOKS_PROCS",
	"RENSEI_A2A_PROCS", "RENSEI_MCP_PROCS", "RENSEI_AUDIT_PROCS",
	"RENSEI_DISCOVERY_PROCS", "RENSEI_SCIM_PROCS", "RENSEI_ADMIN_PROCS",
	"RENSEI_HEALTH_PROCS",
};

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char dir[64];          /* temp dir of the running test */
static char conf_path[128];   /* RENSEI_CONFIG inside it */
static char err[512];

static void
unset_all(void)
{
	for (size_t i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++)
		unsetenv(all_vars[i]);
}

/* Writes content to dir/name with mode (exactly: fchmod after umask). */
static void
write_in_dir(const char *name, const char *content, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
write_conf(const char *content)
{
	write_in_dir("rensei.conf", content, 0600);
}

static void
set_url(void)
{
	setenv("PUBLIC_BASE_URL", "https://rensei.example.com", 1);
}

static int
load(int flags)
{
	memset(err, 0, sizeof(err));
	return config_load(flags, err, sizeof(err));
}

/* config_load succeeds (with a valid PUBLIC_BASE_URL unless set). */
static void
assert_loads(void)
{
	if (getenv("PUBLIC_BASE_URL") == NULL)
		set_url();
	if (load(0) != 0)
		fail_msg("config_load failed: %s", err);
}

/* config_load fails and err starts with "<name>: ". */
static void
assert_refused_naming(const char *name)
{
	size_t n = strlen(name);

	if (getenv("PUBLIC_BASE_URL") == NULL)
		set_url();
	if (load(0) != -1)
		fail_msg("config_load accepted; expected a refusal of %s", name);
	if (strncmp(err, name, n) != 0 || err[n] != ':')
		fail_msg("error \"%s\" does not start with \"%s:\"", err, name);
}

static void
assert_env_refused(const char *name, const char *value)
{
	setenv(name, value, 1);
	assert_refused_naming(name);
	unsetenv(name);
}

static void
assert_env_accepted(const char *name, const char *value)
{
	setenv(name, value, 1);
	if (getenv("PUBLIC_BASE_URL") == NULL)
		set_url();
	if (load(0) != 0)
		fail_msg("%s=%s refused: %s", name, value, err);
	unsetenv(name);
}

static int
setup(void **state)
{
	unset_all();
	strcpy(dir, "/tmp/rensei-settings-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/rensei.conf", dir);
	write_conf("");
	setenv("RENSEI_CONFIG", conf_path, 1);
	setenv("RENSEI_DATA_DIR", dir, 1);
	return 0;
}

static int
teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	char path[512];

	secrets_wipe();
	config_free();
	unset_all();
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	return rmdir(dir);
}

/* ------------------------------------------------------------- defaults */

static void
defaults_apply_when_unset(void **state)
{
	unsetenv("RENSEI_DATA_DIR");
	assert_loads();
	assert_string_equal(cfg.config_file, conf_path);
	assert_string_equal(cfg.data_dir, "/var/lib/rensei");
	assert_string_equal(cfg.run_dir, "/run/rensei");
	assert_string_equal(cfg.public_base_url, "https://rensei.example.com");
	assert_null(cfg.worker_api_key);
	assert_null(cfg.runtime_jwt_secret_hex);
	assert_null(cfg.m2m_jwt_secret_hex);
	assert_null(cfg.m2m_ed25519_seed_hex);
	assert_null(cfg.session_hash_secret_hex);
	assert_null(cfg.session_hash_salt_hex);
	assert_null(cfg.seal_key_hex);
	assert_null(cfg.audit_master_key_hex);
	assert_int_equal(cfg.m2m_alg, M2M_HS256);
	assert_int_equal(cfg.runtime_token_ttl, 3600);
	assert_int_equal(cfg.registration_token_ttl, 86400);
	assert_int_equal(cfg.m2m_token_lifetime, 3600);
	assert_int_equal(cfg.session_idle, 43200);
	assert_int_equal(cfg.session_max_age, 604800);
	assert_int_equal(cfg.clock_leeway, 60);
	assert_int_equal(cfg.worker_ttl, 300);
	assert_int_equal(cfg.worker_heartbeat_timeout, 180000);
	assert_int_equal(cfg.worker_heartbeat_interval, 30000);
	assert_int_equal(cfg.worker_poll_interval, 5000);
	assert_int_equal(cfg.work_claim_ttl, 3600);
	assert_int_equal(cfg.issue_lock_ttl, 7200);
	assert_int_equal(cfg.orphan_threshold, 120000);
	assert_int_equal(cfg.zombie_threshold, 300);
	assert_int_equal(cfg.cleanup_interval, 60);
	assert_int_equal(cfg.poll_batch, 5);
	assert_int_equal(cfg.inbox_read, 10);
	assert_int_equal(cfg.activity_ring, 200);
	assert_int_equal(cfg.inbox_archive_days, 7);
	assert_int_equal(cfg.nack_exclusion, 300);
	assert_int_equal(cfg.sessions_list_limit, 100);
	assert_int_equal(cfg.stop_grace_ms, 120000);
	assert_true(cfg.routing_exploration_rate > 0.0999 &&
	    cfg.routing_exploration_rate < 0.1001);
	assert_int_equal(cfg.webhook_body_retention_days, 14);
	assert_int_equal(cfg.webhook_row_retention_days, 90);
	assert_string_equal(cfg.a2a_agent_name, "Rensei");
	assert_null(cfg.a2a_agent_description);
	assert_null(cfg.a2a_skills_file);
	assert_int_equal(cfg.a2a_stream_poll_ms, 1000);
	assert_int_equal(cfg.a2a_stream_max_s, 300);
	assert_null(cfg.mcp_allowed_origins);
	assert_null(cfg.audit_tsa_url);
	assert_null(cfg.audit_tsa_ca_file);
	assert_int_equal(cfg.audit_verify_max_events, 100000);
	assert_int_equal(cfg.credential_refresh, 3600);
	assert_int_equal(cfg.credential_stream_max_s, 300);
	assert_int_equal(cfg.credential_stream_poll_ms, 1000);
	assert_int_equal(cfg.credential_streams, 16);
	for (int g = 0; g < GROUP__COUNT; g++)
		assert_int_equal(cfg.procs[g], g == GROUP_A2A ? 4 : 2);
}

static void
a2a_max_streams_defaults_to_procs_minus_two(void **state)
{
	assert_loads();
	assert_int_equal(cfg.a2a_max_streams, 2);   /* 4 processes */
	setenv("RENSEI_A2A_PROCS", "10", 1);
	assert_loads();
	assert_int_equal(cfg.a2a_max_streams, 8);
}

static void
a2a_max_streams_at_least_one(void **state)
{
	setenv("RENSEI_A2A_PROCS", "2", 1);
	assert_loads();
	assert_int_equal(cfg.a2a_max_streams, 1);
	setenv("RENSEI_A2A_PROCS", "1", 1);
	assert_loads();
	assert_int_equal(cfg.a2a_max_streams, 1);
}

static void
a2a_max_streams_explicit_value_kept(void **state)
{
	setenv("A2A_MAX_STREAMS", "5", 1);
	assert_loads();
	assert_int_equal(cfg.a2a_max_streams, 5);
	assert_env_refused("A2A_MAX_STREAMS", "0");
}

static void
no_config_file_when_variable_empty_and_default_absent(void **state)
{
	if (access("/etc/rensei/rensei.conf", F_OK) == 0)
		skip();
	setenv("RENSEI_CONFIG", "", 1);
	assert_loads();
	assert_null(cfg.config_file);
}

static void
empty_integer_variable_means_default(void **state)
{
	setenv("RENSEI_RUNTIME_TOKEN_TTL", "", 1);
	assert_loads();
	assert_int_equal(cfg.runtime_token_ttl, 3600);
}

/* ---------------------------------------------------------- the file */

/* An empty variable (VAR= in a unit or compose file) counts as unset: it
 * neither overrides the file with the default nor fails the load. */
static void
empty_variable_falls_back_to_file(void **state)
{
	write_conf("RENSEI_RUNTIME_TOKEN_TTL = 600\n"
	    "PUBLIC_BASE_URL = https://file.example.com\n"
	    "M2M_JWT_ALG = EdDSA\n");
	setenv("RENSEI_RUNTIME_TOKEN_TTL", "", 1);
	setenv("PUBLIC_BASE_URL", "", 1);
	setenv("M2M_JWT_ALG", "", 1);
	if (load(0) != 0)
		fail_msg("config_load failed: %s", err);
	assert_int_equal(cfg.runtime_token_ttl, 600);
	assert_string_equal(cfg.public_base_url, "https://file.example.com");
	assert_int_equal(cfg.m2m_alg, M2M_EDDSA);
}

static void
file_values_used(void **state)
{
	write_conf("# comment line\n"
	    "\n"
	    "RENSEI_RUNTIME_TOKEN_TTL = 600\n"
	    "  M2M_JWT_ALG=EdDSA  \n"
	    "\tA2A_AGENT_NAME =  My Agent\t\n"
	    "ROUTING_EXPLORATION_RATE = 0.25\r\n"
	    "RENSEI_HEALTH_PROCS = 7");   /* last line without newline */
	assert_loads();
	assert_int_equal(cfg.runtime_token_ttl, 600);
	assert_int_equal(cfg.m2m_alg, M2M_EDDSA);
	assert_string_equal(cfg.a2a_agent_name, "My Agent");
	assert_true(cfg.routing_exploration_rate == 0.25);
	assert_int_equal(cfg.procs[GROUP_HEALTH], 7);
}

static void
environment_wins_over_file(void **state)
{
	write_conf("RENSEI_RUNTIME_TOKEN_TTL = 600\n"
	    "PUBLIC_BASE_URL = https://file.example.com\n"
	    "A2A_AGENT_NAME = FromFile\n");
	setenv("RENSEI_RUNTIME_TOKEN_TTL", "900", 1);
	setenv("PUBLIC_BASE_URL", "https://env.example.com", 1);
	setenv("A2A_AGENT_NAME", "FromEnv", 1);
	assert_loads();
	assert_int_equal(cfg.runtime_token_ttl, 900);
	assert_string_equal(cfg.public_base_url, "https://env.example.com");
	assert_string_equal(config_public_origin(), "https://env.example.com");
	assert_string_equal(cfg.a2a_agent_name, "FromEnv");
}

static void
file_supplies_public_base_url(void **state)
{
	write_conf("PUBLIC_BASE_URL = https://file.example.com\n");
	assert_int_equal(load(0), 0);
	assert_string_equal(cfg.public_base_url, "https://file.example.com");
}

static void
unknown_key_in_file_refused_with_its_name(void **state)
{
	write_conf("RENSEI_RUNTIME_TOKEN_TTL = 600\nRENSEI_BOGUS_KEY = 1\n");
	assert_refused_naming("RENSEI_BOGUS_KEY");
	assert_non_null(strstr(err, "unknown"));
}

static void
config_file_key_itself_unknown_in_file(void **state)
{
	write_conf("RENSEI_CONFIG = /etc/other.conf\n");
	assert_refused_naming("RENSEI_CONFIG");
}

static void
file_line_without_equals_refused(void **state)
{
	write_conf("RENSEI_RUNTIME_TOKEN_TTL 600\n");
	assert_refused_naming("RENSEI_CONFIG");
}

static void
bad_value_in_file_refused_with_its_name(void **state)
{
	write_conf("RENSEI_CLOCK_LEEWAY = sixty\n");
	assert_refused_naming("RENSEI_CLOCK_LEEWAY");
}

static void
quoted_value_in_file_is_not_unquoted(void **state)
{
	write_conf("RENSEI_CLOCK_LEEWAY = \"60\"\n");
	assert_refused_naming("RENSEI_CLOCK_LEEWAY");
}

static void
missing_config_file_refused(void **state)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/does-not-exist.conf", dir);
	setenv("RENSEI_CONFIG", path, 1);
	assert_refused_naming("RENSEI_CONFIG");
	assert_non_null(strstr(err, "does-not-exist.conf"));
}

/* ------------------------------------------------------------ integers */

static void
bad_integer_refused_with_name(void **state)
{
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "12x");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "abc");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "-");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "0x400");
}

static void
integer_with_sign_or_space_refused(void **state)
{
	assert_env_refused("RENSEI_CLOCK_LEEWAY", "+60");
	assert_env_refused("RENSEI_CLOCK_LEEWAY", " 60");
	assert_env_refused("RENSEI_CLOCK_LEEWAY", "60 ");
	assert_env_refused("RENSEI_CLOCK_LEEWAY", "6 0");
}

static void
fraction_for_integer_setting_refused(void **state)
{
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "3600.0");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "1.5");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "3.6e3");
}

static void
integer_range_bounds_inclusive(void **state)
{
	assert_env_accepted("RENSEI_RUNTIME_TOKEN_TTL", "300");
	assert_env_accepted("RENSEI_RUNTIME_TOKEN_TTL", "86400");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "299");
	assert_env_refused("RENSEI_RUNTIME_TOKEN_TTL", "86401");
	assert_env_accepted("RENSEI_REGISTRATION_TOKEN_TTL", "31536000");
	assert_env_refused("RENSEI_REGISTRATION_TOKEN_TTL", "31536001");
	assert_env_refused("M2M_TOKEN_LIFETIME", "59");
	assert_env_refused("RENSEI_SESSIONS_LIST_LIMIT", "501");
	assert_env_refused("RENSEI_SESSIONS_LIST_LIMIT", "0");
	assert_env_refused("A2A_STREAM_POLL_MS", "249");
	assert_env_refused("RENSEI_CREDENTIAL_STREAMS", "257");
	assert_env_refused("RENSEI_CREDENTIAL_STREAM_MAX_S", "29");
}

static void
integer_without_range_is_0_to_int32_max(void **state)
{
	assert_env_accepted("RENSEI_CLOCK_LEEWAY", "0");
	assert_env_accepted("RENSEI_CLOCK_LEEWAY", "2147483647");
	assert_env_refused("RENSEI_CLOCK_LEEWAY", "2147483648");
	assert_env_refused("RENSEI_CLOCK_LEEWAY", "-1");
}

static void
integer_overflow_refused(void **state)
{
	assert_env_refused("RENSEI_SESSION_IDLE", "9223372036854775807");
	assert_env_refused("RENSEI_SESSION_IDLE", "9223372036854775808");
	assert_env_refused("RENSEI_SESSION_IDLE", "99999999999999999999999");
	assert_env_refused("RENSEI_SESSION_IDLE", "-9223372036854775809");
}

static void
error_states_the_range(void **state)
{
	setenv("RENSEI_RUNTIME_TOKEN_TTL", "1", 1);
	assert_refused_naming("RENSEI_RUNTIME_TOKEN_TTL");
	assert_non_null(strstr(err, "300"));
	assert_non_null(strstr(err, "86400"));
}

static void
every_group_procs_variable_range_1_to_64(void **state)
{
	for (int g = 0; g < GROUP__COUNT; g++) {
		char name[64];
		size_t i, n;

		n = (size_t)snprintf(name, sizeof(name), "RENSEI_%s_PROCS",
		    group_name((enum group)g));
		for (i = 7; i < n; i++)
			if (name[i] >= 'a' && name[i] <= 'z')
				name[i] = (char)(name[i] - 'a' + 'A');
		assert_env_refused(name, "0");
		assert_env_refused(name, "65");
		assert_env_refused(name, "-2");
		setenv(name, "64", 1);
		assert_loads();
		assert_int_equal(cfg.procs[g], 64);
		setenv(name, "1", 1);
		assert_loads();
		assert_int_equal(cfg.procs[g], 1);
		unsetenv(name);
	}
}

static void
group_names_are_lower_case_spec_names(void **state)
{
	static const char *const want[GROUP__COUNT] = {
		"public", "console", "workers", "daemon", "oauth", "webhooks",
		"a2a", "mcp", "audit", "discovery", "scim", "admin", "health"
	};

	for (int g = 0; g < GROUP__COUNT; g++)
		assert_string_equal(group_name((enum group)g), want[g]);
	assert_string_equal(group_name(GROUP__COUNT), "?");
}

/* ----------------------------------------------------------- fractions */

static void
exploration_rate_fraction_0_to_1(void **state)
{
	setenv("ROUTING_EXPLORATION_RATE", "0.5", 1);
	assert_loads();
	assert_true(cfg.routing_exploration_rate == 0.5);
	setenv("ROUTING_EXPLORATION_RATE", "0", 1);
	assert_loads();
	assert_true(cfg.routing_exploration_rate == 0.0);
	setenv("ROUTING_EXPLORATION_RATE", "1", 1);
	assert_loads();
	assert_true(cfg.routing_exploration_rate == 1.0);
	setenv("ROUTING_EXPLORATION_RATE", "1.000", 1);
	assert_loads();
	assert_true(cfg.routing_exploration_rate == 1.0);
}

static void
exploration_rate_out_of_range_refused(void **state)
{
	assert_env_refused("ROUTING_EXPLORATION_RATE", "1.01");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "2");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "-0.1");
}

static void
exploration_rate_not_a_decimal_refused(void **state)
{
	assert_env_refused("ROUTING_EXPLORATION_RATE", "abc");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "0.5x");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "1e-1");
	assert_env_refused("ROUTING_EXPLORATION_RATE", ".");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "nan");
	assert_env_refused("ROUTING_EXPLORATION_RATE", "0x0.1");
}

/* ------------------------------------------------------------ M2M alg */

static void
m2m_alg_accepts_hs256_and_eddsa(void **state)
{
	setenv("M2M_JWT_ALG", "EdDSA", 1);
	assert_loads();
	assert_int_equal(cfg.m2m_alg, M2M_EDDSA);
	setenv("M2M_JWT_ALG", "HS256", 1);
	assert_loads();
	assert_int_equal(cfg.m2m_alg, M2M_HS256);
}

static void
m2m_alg_unknown_refused(void **state)
{
	assert_env_refused("M2M_JWT_ALG", "RS256");
	assert_env_refused("M2M_JWT_ALG", "none");
	assert_env_refused("M2M_JWT_ALG", "hs256");
	assert_env_refused("M2M_JWT_ALG", "HS256 ");
}

/* ------------------------------------------------------ PUBLIC_BASE_URL */

static void
public_base_url_required(void **state)
{
	assert_int_equal(load(0), -1);
	assert_int_equal(strncmp(err, "PUBLIC_BASE_URL:", 16), 0);
	setenv("PUBLIC_BASE_URL", "", 1);
	assert_int_equal(load(0), -1);
	assert_int_equal(strncmp(err, "PUBLIC_BASE_URL:", 16), 0);
}

static void
public_base_url_optional_with_no_public_url_flag(void **state)
{
	assert_int_equal(load(CONFIG_NO_PUBLIC_URL), 0);
	assert_null(cfg.public_base_url);
}

/* An origin left over from an earlier load must not survive a load
 * without PUBLIC_BASE_URL (the CSRF check compares against it). */
static void
public_origin_cleared_when_url_unset(void **state)
{
	setenv("PUBLIC_BASE_URL", "https://old.example.com", 1);
	assert_loads();
	assert_string_equal(config_public_origin(), "https://old.example.com");
	unsetenv("PUBLIC_BASE_URL");
	assert_int_equal(load(CONFIG_NO_PUBLIC_URL), 0);
	assert_string_equal(config_public_origin(), "");
}

static void
public_base_url_origin_normalised(void **state)
{
	setenv("PUBLIC_BASE_URL", "HTTPS://Rensei.Example.COM:443", 1);
	assert_loads();
	assert_string_equal(config_public_origin(), "https://rensei.example.com");
	setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8080", 1);
	assert_loads();
	assert_string_equal(config_public_origin(), "http://127.0.0.1:8080");
}

static void
public_base_url_with_path_refused(void **state)
{
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com/api");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com:8443/x");
}

static void
public_base_url_with_trailing_slash_refused(void **state)
{
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com/");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com:443/");
}

static void
public_base_url_with_query_or_fragment_refused(void **state)
{
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com?x=1");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com#top");
}

static void
public_base_url_other_forms_refused(void **state)
{
	assert_env_refused("PUBLIC_BASE_URL", "rensei.example.com");
	assert_env_refused("PUBLIC_BASE_URL", "ftp://rensei.example.com");
	assert_env_refused("PUBLIC_BASE_URL", "https://");
	assert_env_refused("PUBLIC_BASE_URL", "https://user@rensei.example.com");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com:");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com:65536");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei.example.com:8x");
	assert_env_refused("PUBLIC_BASE_URL", "https://rensei example.com");
	assert_env_refused("PUBLIC_BASE_URL", "https:rensei.example.com");
}

/* ------------------------------------------------------ origin_normalise */

static void
assert_origin(const char *in, const char *want)
{
	char out[512];

	memset(out, 'X', sizeof(out));
	if (origin_normalise(out, sizeof(out), in, strlen(in)) != 0)
		fail_msg("origin \"%s\" refused", in);
	assert_string_equal(out, want);
}

static void
assert_origin_refused(const char *in)
{
	char out[512];

	if (origin_normalise(out, sizeof(out), in, strlen(in)) != -1)
		fail_msg("origin \"%s\" accepted as \"%s\"", in, out);
}

static void
origin_default_ports_dropped(void **state)
{
	assert_origin("http://h:80", "http://h");
	assert_origin("https://h:443", "https://h");
	assert_origin("http://h:0080", "http://h");
}

static void
origin_other_ports_kept(void **state)
{
	assert_origin("http://h:443", "http://h:443");
	assert_origin("https://h:80", "https://h:80");
	assert_origin("https://h:8443", "https://h:8443");
	assert_origin("http://h:65535", "http://h:65535");
}

static void
origin_case_folded(void **state)
{
	assert_origin("HTTPS://Example.COM", "https://example.com");
	assert_origin("Http://LOCALHOST:8080", "http://localhost:8080");
}

static void
origin_with_and_without_default_port_equal(void **state)
{
	char a[512], b[512];

	assert_int_equal(origin_normalise(a, sizeof(a), "http://h:80", 11), 0);
	assert_int_equal(origin_normalise(b, sizeof(b), "http://h", 8), 0);
	assert_string_equal(a, b);
	assert_int_equal(origin_normalise(a, sizeof(a), "HTTPS://H:443", 13), 0);
	assert_int_equal(origin_normalise(b, sizeof(b), "https://h", 9), 0);
	assert_string_equal(a, b);
}

static void
origin_uses_only_n_bytes(void **state)
{
	char out[512];
	const char *s = "https://h.example/path?q";

	assert_int_equal(origin_normalise(out, sizeof(out), s, 17), 0);
	assert_string_equal(out, "https://h.example");
}

static void
origin_malformed_refused(void **state)
{
	assert_origin_refused("");
	assert_origin_refused("null");
	assert_origin_refused("h.example");
	assert_origin_refused("ws://h");
	assert_origin_refused("javascript://h");
	assert_origin_refused("http:/h");
	assert_origin_refused("http://");
	assert_origin_refused("http://:80");
	assert_origin_refused("http://h/");
	assert_origin_refused("http://h:");
	assert_origin_refused("http://h:99999");
	assert_origin_refused("http://h:-1");
	assert_origin_refused("http://a@h");
	assert_origin_refused("http://h?x");
	assert_origin_refused("http://h#x");
	assert_origin_refused("http://h\x7f");
	assert_origin_refused("http://h\xc3\xa9");
}

/* ------------------------------------------------------- secret variables */

static void
secret_hex_64_lowercase_accepted(void **state)
{
	setenv("RENSEI_RUNTIME_JWT_SECRET", HEX64, 1);
	setenv("RENSEI_SEAL_KEY", HEX64B, 1);
	assert_loads();
	assert_string_equal(cfg.runtime_jwt_secret_hex, HEX64);
	assert_string_equal(cfg.seal_key_hex, HEX64B);
}

static void
secret_hex_uppercase_refused(void **state)
{
	static const char *const vars[] = {
		"RENSEI_RUNTIME_JWT_SECRET", "M2M_JWT_SECRET", "M2M_ED25519_SEED",
		"RENSEI_SESSION_HASH_SECRET", "SESSION_HASH_SALT",
		"RENSEI_SEAL_KEY", "AUDIT_SIGNING_MASTER_KEY"
	};
	char upper[] = HEX64;

	upper[10] = 'A';
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		assert_env_refused(vars[i], upper);
}

static void
secret_hex_non_hex_refused(void **state)
{
	char bad[] = HEX64;

	bad[63] = 'g';
	assert_env_refused("RENSEI_RUNTIME_JWT_SECRET", bad);
	assert_env_refused("M2M_JWT_SECRET",
	    "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void
secret_hex_odd_length_refused(void **state)
{
	assert_env_refused("RENSEI_RUNTIME_JWT_SECRET", HEX64 "a");
	assert_env_refused("SESSION_HASH_SALT", HEX64 "abc");
}

static void
secret_hex_shorter_than_64_refused(void **state)
{
	char shortv[] = HEX64;

	shortv[62] = '\0';
	assert_env_refused("RENSEI_RUNTIME_JWT_SECRET", shortv);
	assert_env_refused("M2M_JWT_SECRET", shortv);
	assert_env_refused("RENSEI_SESSION_HASH_SECRET", "00");
}

static void
secret_hex_longer_even_accepted_for_hmac_keys(void **state)
{
	assert_env_accepted("RENSEI_RUNTIME_JWT_SECRET", HEX64 "00");
	assert_env_accepted("M2M_JWT_SECRET", HEX64 HEX64);
	assert_env_accepted("RENSEI_SESSION_HASH_SECRET", HEX64 "ab");
	assert_env_accepted("SESSION_HASH_SALT", HEX64 "ab");
}

static void
secret_32_byte_keys_need_exactly_64(void **state)
{
	static const char *const vars[] = {
		"RENSEI_SEAL_KEY", "AUDIT_SIGNING_MASTER_KEY", "M2M_ED25519_SEED"
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		assert_env_accepted(vars[i], HEX64);
		assert_env_refused(vars[i], HEX64 "00");
		assert_env_refused(vars[i], HEX64 HEX64);
	}
}

static void
secret_error_does_not_echo_value(void **state)
{
	char bad[] = HEX64;

	bad[0] = 'G';
	setenv("RENSEI_SEAL_KEY", bad, 1);
	assert_refused_naming("RENSEI_SEAL_KEY");
	assert_null(strstr(err, bad + 1));
}

static void
worker_key_shorter_than_32_turns_mode_off(void **state)
{
	setenv("WORKER_API_KEY", "0123456789012345678901234567890", 1);  /* 31 */
	assert_loads();
	assert_null(cfg.worker_api_key);
}

static void
worker_key_of_32_chars_accepted(void **state)
{
	const char *k = "any string of 32 characters here";

	assert_int_equal(strlen(k), 32);
	setenv("WORKER_API_KEY", k, 1);
	assert_loads();
	assert_string_equal(cfg.worker_api_key, k);
}

/* ---------------------------------------------------------- secret files */

static void
read_whole(const char *path, char *out, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, out, cap);
	assert_true(n >= 0);
	*len = (size_t)n;
	close(fd);
}

static void
create_missing_makes_every_file_0600_hex_newline(void **state)
{
	char path[256], text[200];
	struct stat st;
	size_t len;

	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	for (int id = 0; id < SECRET__COUNT; id++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
		    secret_file_name((enum secret_id)id));
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0600);
		read_whole(path, text, sizeof(text), &len);
		assert_int_equal(len, 65);
		assert_true(is_lower_hex(text, 64));
		assert_int_equal(text[64], '\n');
	}
}

static void
create_missing_uses_spec_file_names(void **state)
{
	static const char *const want[SECRET__COUNT] = {
		"runtime_jwt.key", "m2m_hs256.key", "m2m_ed25519.key",
		"session_hash.key", "public_id.salt", "seal.key", "audit-master.key"
	};

	for (int id = 0; id < SECRET__COUNT; id++)
		assert_string_equal(secret_file_name((enum secret_id)id), want[id]);
}

static void
create_missing_leaves_no_temp_files(void **state)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (strstr(e->d_name, ".tmp") != NULL)
			fail_msg("temp file %s left behind", e->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, SECRET__COUNT + 1);   /* + rensei.conf */
}

static void
create_missing_keeps_existing_files(void **state)
{
	char path[256], text[200];
	size_t len;

	write_in_dir("seal.key", HEX64 "\n", 0600);
	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)),
	    SECRET__COUNT - 1);
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	read_whole(path, text, sizeof(text), &len);
	assert_int_equal(len, 65);
	assert_memory_equal(text, HEX64 "\n", 65);
	/* A second run creates nothing. */
	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), 0);
}

static void
create_missing_makes_distinct_keys(void **state)
{
	char a[200], b[200], path[256];
	size_t la, lb;

	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	read_whole(path, a, sizeof(a), &la);
	snprintf(path, sizeof(path), "%s/audit-master.key", dir);
	read_whole(path, b, sizeof(b), &lb);
	assert_memory_not_equal(a, b, 64);
}

static void
create_missing_in_missing_dir_fails(void **state)
{
	char missing[200];

	snprintf(missing, sizeof(missing), "%s/nope", dir);
	assert_int_equal(secrets_create_missing(missing, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nope"));
}

static void
load_reads_created_files(void **state)
{
	uint8_t want[32];
	char path[256], text[200];
	size_t len;
	const struct secret *s;

	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	assert_loads();
	if (secrets_load(SECRETS_ALL, err, sizeof(err)) != 0)
		fail_msg("secrets_load: %s", err);
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	read_whole(path, text, sizeof(text), &len);
	assert_int_equal(hex_decode(want, sizeof(want), text, 64, 1), 32);
	assert_non_null(s = secret_get(SECRET_SEAL));
	assert_int_equal(s->len, 32);
	assert_memory_equal(s->key, want, 32);
	/* HS256 is configured: the EdDSA seed is not loaded. */
	assert_non_null(secret_get(SECRET_M2M_HS256));
	assert_null(secret_get(SECRET_M2M_ED25519));
}

static void
load_refuses_group_or_other_readable_file(void **state)
{
	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	write_in_dir("seal.key", HEX64 "\n", 0644);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal.key"));
	write_in_dir("seal.key", HEX64 "\n", 0620);
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), -1);
	write_in_dir("seal.key", HEX64 "\n", 0604);
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), -1);
	write_in_dir("seal.key", HEX64 "\n", 0400);
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), 0);
}

static void
load_refuses_wrong_length(void **state)
{
	static const char *const bad[] = {
		HEX64,                          /* no newline */
		HEX64 "\n\n",                   /* extra byte */
		HEX64 "00\n",                   /* 66 hex */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
		"",
		"\n",
	};

	assert_loads();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_in_dir("audit-master.key", bad[i], 0600);
		assert_int_equal(secrets_load(SECRET_BIT(SECRET_AUDIT_MASTER), err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "audit-master.key"));
		assert_null(secret_get(SECRET_AUDIT_MASTER));
	}
}

static void
load_refuses_uppercase_hex(void **state)
{
	char text[] = HEX64 "\n";

	text[10] = 'A';
	write_in_dir("runtime_jwt.key", text, 0600);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_RUNTIME_JWT), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "runtime_jwt.key"));
}

static void
load_refuses_missing_file_naming_it(void **state)
{
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SESSION_HASH), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "session_hash.key"));
}

static void
load_refuses_symlinked_file(void **state)
{
	char target[256], link_path[256];

	write_in_dir("real.key", HEX64 "\n", 0600);
	snprintf(target, sizeof(target), "%s/real.key", dir);
	snprintf(link_path, sizeof(link_path), "%s/seal.key", dir);
	assert_int_equal(symlink(target, link_path), 0);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal.key"));
}

static void
load_requires_only_configured_m2m_file(void **state)
{
	write_in_dir("m2m_ed25519.key", HEX64 "\n", 0600);
	setenv("M2M_JWT_ALG", "EdDSA", 1);
	assert_loads();
	/* m2m_hs256.key is missing but not needed. */
	if (secrets_load(SECRET_BIT(SECRET_M2M_HS256) |
	    SECRET_BIT(SECRET_M2M_ED25519), err, sizeof(err)) != 0)
		fail_msg("secrets_load: %s", err);
	assert_non_null(secret_get(SECRET_M2M_ED25519));
	assert_null(secret_get(SECRET_M2M_HS256));
}

static void
variable_replaces_missing_file(void **state)
{
	uint8_t want[32];
	const struct secret *s;

	setenv("RENSEI_SEAL_KEY", HEX64B, 1);
	assert_loads();
	if (secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)) != 0)
		fail_msg("secrets_load: %s", err);
	assert_int_equal(hex_decode(want, sizeof(want), HEX64B, 64, 1), 32);
	assert_non_null(s = secret_get(SECRET_SEAL));
	assert_int_equal(s->len, 32);
	assert_memory_equal(s->key, want, 32);
}

static void
variable_replaces_existing_file(void **state)
{
	uint8_t want[32];
	const struct secret *s;

	write_in_dir("seal.key", HEX64 "\n", 0600);
	setenv("RENSEI_SEAL_KEY", HEX64B, 1);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_SEAL), err, sizeof(err)), 0);
	assert_int_equal(hex_decode(want, sizeof(want), HEX64B, 64, 1), 32);
	assert_non_null(s = secret_get(SECRET_SEAL));
	assert_memory_equal(s->key, want, 32);
}

static void
variable_replaces_bad_file(void **state)
{
	write_in_dir("audit-master.key", "junk", 0644);
	setenv("AUDIT_SIGNING_MASTER_KEY", HEX64, 1);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_AUDIT_MASTER), err,
	    sizeof(err)), 0);
}

static void
longer_variable_gives_longer_hmac_key(void **state)
{
	const struct secret *s;

	setenv("RENSEI_RUNTIME_JWT_SECRET", HEX64 HEX64, 1);
	assert_loads();
	assert_int_equal(secrets_load(SECRET_BIT(SECRET_RUNTIME_JWT), err,
	    sizeof(err)), 0);
	assert_non_null(s = secret_get(SECRET_RUNTIME_JWT));
	assert_int_equal(s->len, 64);
}

static void
wipe_unloads_every_secret(void **state)
{
	assert_int_equal(secrets_create_missing(dir, err, sizeof(err)), SECRET__COUNT);
	assert_loads();
	assert_int_equal(secrets_load(SECRETS_ALL, err, sizeof(err)), 0);
	secrets_wipe();
	for (int id = 0; id < SECRET__COUNT; id++)
		assert_null(secret_get((enum secret_id)id));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(defaults_apply_when_unset),
		T(a2a_max_streams_defaults_to_procs_minus_two),
		T(a2a_max_streams_at_least_one),
		T(a2a_max_streams_explicit_value_kept),
		T(no_config_file_when_variable_empty_and_default_absent),
		T(empty_integer_variable_means_default),
		T(file_values_used),
		T(empty_variable_falls_back_to_file),
		T(environment_wins_over_file),
		T(file_supplies_public_base_url),
		T(unknown_key_in_file_refused_with_its_name),
		T(config_file_key_itself_unknown_in_file),
		T(file_line_without_equals_refused),
		T(bad_value_in_file_refused_with_its_name),
		T(quoted_value_in_file_is_not_unquoted),
		T(missing_config_file_refused),
		T(bad_integer_refused_with_name),
		T(integer_with_sign_or_space_refused),
		T(fraction_for_integer_setting_refused),
		T(integer_range_bounds_inclusive),
		T(integer_without_range_is_0_to_int32_max),
		T(integer_overflow_refused),
		T(error_states_the_range),
		T(every_group_procs_variable_range_1_to_64),
		T(group_names_are_lower_case_spec_names),
		T(exploration_rate_fraction_0_to_1),
		T(exploration_rate_out_of_range_refused),
		T(exploration_rate_not_a_decimal_refused),
		T(m2m_alg_accepts_hs256_and_eddsa),
		T(m2m_alg_unknown_refused),
		T(public_base_url_required),
		T(public_base_url_optional_with_no_public_url_flag),
		T(public_origin_cleared_when_url_unset),
		T(public_base_url_origin_normalised),
		T(public_base_url_with_path_refused),
		T(public_base_url_with_trailing_slash_refused),
		T(public_base_url_with_query_or_fragment_refused),
		T(public_base_url_other_forms_refused),
		T(origin_default_ports_dropped),
		T(origin_other_ports_kept),
		T(origin_case_folded),
		T(origin_with_and_without_default_port_equal),
		T(origin_uses_only_n_bytes),
		T(origin_malformed_refused),
		T(secret_hex_64_lowercase_accepted),
		T(secret_hex_uppercase_refused),
		T(secret_hex_non_hex_refused),
		T(secret_hex_odd_length_refused),
		T(secret_hex_shorter_than_64_refused),
		T(secret_hex_longer_even_accepted_for_hmac_keys),
		T(secret_32_byte_keys_need_exactly_64),
		T(secret_error_does_not_echo_value),
		T(worker_key_shorter_than_32_turns_mode_off),
		T(worker_key_of_32_chars_accepted),
		T(create_missing_makes_every_file_0600_hex_newline),
		T(create_missing_uses_spec_file_names),
		T(create_missing_leaves_no_temp_files),
		T(create_missing_keeps_existing_files),
		T(create_missing_makes_distinct_keys),
		T(create_missing_in_missing_dir_fails),
		T(load_reads_created_files),
		T(load_refuses_group_or_other_readable_file),
		T(load_refuses_wrong_length),
		T(load_refuses_uppercase_hex),
		T(load_refuses_missing_file_naming_it),
		T(load_refuses_symlinked_file),
		T(load_requires_only_configured_m2m_file),
		T(variable_replaces_missing_file),
		T(variable_replaces_existing_file),
		T(variable_replaces_bad_file),
		T(longer_variable_gives_longer_hmac_key),
		T(wipe_unloads_every_secret),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
