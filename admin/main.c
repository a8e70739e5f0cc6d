/*
 * rensei-admin -- the operator CLI (12-admin-cli.md).
 *
 * Works on the store directly and acts as a system principal (actor
 * system/cli).  Every change goes through the same lib/ domain functions
 * as the HTTP routes, one transaction each, with the same audit events.
 *
 * Exit status: 0 success, 1 refused, 2 usage, 78 configuration, 75 busy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "cred.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "queue.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "tenancy.h"

#define EX_OK      0
#define EX_REFUSED 1
#define EX_USAGE_  2
#define EX_BUSY    75

static int opt_json;
static const char *opt_data, *opt_config;
static char db_path[4096];
static struct arena A;

/* Every option any command takes; each command lists the ones it allows. */
enum opt {
	O_ADMIN_EMAIL = 1000, O_ADMIN_PASSWORD, O_ORG_NAME, O_NAME, O_SLUG,
	O_EMAIL, O_PASSWORD, O_PLATFORM_ADMIN, O_ORG, O_ROLE, O_SCOPES,
	O_PROJECTS, O_TYPE, O_EXPIRES_IN, O_SYSTEM, O_ID, O_PROJECT, O_ENV,
	O_DESCRIPTION, O_ISSUE, O_TITLE, O_PROMPT, O_WORK_TYPE, O_PRIORITY,
	O_HELP
};

static const struct option all_opts[] = {
	{ "admin-email", required_argument, NULL, O_ADMIN_EMAIL },
	{ "admin-password", required_argument, NULL, O_ADMIN_PASSWORD },
	{ "org-name", required_argument, NULL, O_ORG_NAME },
	{ "name", required_argument, NULL, O_NAME },
	{ "slug", required_argument, NULL, O_SLUG },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "password", required_argument, NULL, O_PASSWORD },
	{ "platform-admin", no_argument, NULL, O_PLATFORM_ADMIN },
	{ "org", required_argument, NULL, O_ORG },
	{ "role", required_argument, NULL, O_ROLE },
	{ "scopes", required_argument, NULL, O_SCOPES },
	{ "projects", required_argument, NULL, O_PROJECTS },
	{ "type", required_argument, NULL, O_TYPE },
	{ "expires-in", required_argument, NULL, O_EXPIRES_IN },
	{ "system", no_argument, NULL, O_SYSTEM },
	{ "id", required_argument, NULL, O_ID },
	{ "project", required_argument, NULL, O_PROJECT },
	{ "env", required_argument, NULL, O_ENV },
	{ "description", required_argument, NULL, O_DESCRIPTION },
	{ "issue", required_argument, NULL, O_ISSUE },
	{ "title", required_argument, NULL, O_TITLE },
	{ "prompt", required_argument, NULL, O_PROMPT },
	{ "work-type", required_argument, NULL, O_WORK_TYPE },
	{ "priority", required_argument, NULL, O_PRIORITY },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 }
};

#define MAXOPT 12
struct args {
	const char *v[O_HELP - O_ADMIN_EMAIL + 1];
	int         set[O_HELP - O_ADMIN_EMAIL + 1];
};
#define ARG(a, o) ((a)->v[(o) - O_ADMIN_EMAIL])
#define HAS(a, o) ((a)->set[(o) - O_ADMIN_EMAIL])

struct command {
	const char *noun, *verb;
	int (*fn)(struct args *);
	int         opts[MAXOPT];   /* allowed options, 0-terminated */
	int         needs_store;    /* open the database and load secrets */
	const char *usage;
};

static void
fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
fail_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("rensei-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Prints one JSON object (with --json) or the human lines. */
static void
emit(struct buf *json, const char *human)
{
	if (opt_json)
		printf("%s\n", json->data);
	else if (human != NULL)
		fputs(human, stdout);
	fflush(stdout);
}

static int
dom_exit(enum dom_rc rc, const struct dom_err *err, const char *what)
{
	if (rc == DOM_OK)
		return EX_OK;
	if (rc == DOM_STORE) {
		fail_msg("%s: store busy or failed (%s)", what, store_errmsg());
		return EX_BUSY;
	}
	fail_msg("%s", err && err->message ? err->message : what);
	return EX_REFUSED;
}

static int
begin(void)
{
	if (store_begin_write() != STORE_OK) {
		fail_msg("store busy: %s", store_errmsg());
		return -1;
	}
	return 0;
}

static int
commit(void)
{
	if (store_commit() != STORE_OK) {
		fail_msg("commit failed: %s", store_errmsg());
		return EX_BUSY;
	}
	return EX_OK;
}

static int
finish(enum dom_rc rc, const struct dom_err *err, const char *what)
{
	if (rc != DOM_OK) {
		store_rollback();
		return dom_exit(rc, err, what);
	}
	return commit();
}

/* Splits "a,b,c" into an arena array; duplicates collapse (first kept). */
static const char **
split_list(const char *s, int *n)
{
	const char **out;
	char *copy, *tok, *save = NULL;
	int cap = 1;

	*n = 0;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	out = arena_alloc(&A, (size_t)cap * sizeof(*out));
	copy = arena_strdup(&A, s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		int dup = 0;

		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		for (int i = 0; i < *n; i++)
			dup |= strcmp(out[i], tok) == 0;
		if (!dup)
			out[(*n)++] = tok;
	}
	return out;
}

static int
resolve_org(const char *id_or_slug, struct org *o)
{
	enum dom_rc rc = org_get(&A, id_or_slug, o);

	if (rc == DOM_NOT_FOUND) {
		fail_msg("Organization not found: %s", id_or_slug);
		return EX_REFUSED;
	}
	return rc == DOM_OK ? EX_OK : dom_exit(rc, NULL, "org lookup");
}

static int
parse_seconds(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static void
generate_password(char out[33])
{
	random_hex(out, 16);
}

/* ----------------------------------------------------------------- init */

static void
unlink_db(void)
{
	char p[4200];

	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

static int
cmd_init(struct args *a)
{
	char err[512], pwhash[128], gen[33];
	const char *email = HAS(a, O_ADMIN_EMAIL) ? ARG(a, O_ADMIN_EMAIL) :
	    "admin@localhost";
	const char *password = ARG(a, O_ADMIN_PASSWORD);
	const char *org_name = HAS(a, O_ORG_NAME) ? ARG(a, O_ORG_NAME) : "Default";
	const struct secret *master;
	struct dom_err derr;
	struct user u;
	struct org o;
	struct project p;
	struct buf out;
	struct jw w;
	enum dom_rc rc;
	int applied[64];

	if (mkdir(cfg.data_dir, 0700) == -1 && errno != EEXIST) {
		fail_msg("%s: %s", cfg.data_dir, strerror(errno));
		return EX_CONFIG;
	}
	if (access(db_path, F_OK) == 0) {
		fail_msg("%s already holds a database", cfg.data_dir);
		return EX_REFUSED;
	}
	chmod(cfg.data_dir, 0700);
	if (secrets_create_missing(cfg.data_dir, err, sizeof(err)) == -1 ||
	    secrets_load(SECRETS_ALL, err, sizeof(err)) == -1) {
		fail_msg("%s", err);
		return EX_CONFIG;
	}
	master = secret_get(SECRET_AUDIT_MASTER);
	if (audit_init(master->key) == -1) {
		fail_msg("audit key initialisation failed");
		return EX_CONFIG;
	}
	if (password == NULL) {
		generate_password(gen);
		password = gen;
	}
	if (password_hash(pwhash, password) == -1) {
		fail_msg("password hashing failed");
		return EX_REFUSED;
	}
	if (store_open(db_path, STORE_OPEN_CREATE) == -1)
		return EX_CONFIG;
	chmod(db_path, 0600);
	if (store_migrate(applied, 64) < 0 || begin() == -1) {
		fail_msg("migrations failed");
		store_close();
		unlink_db();
		return EX_CONFIG;
	}
	rc = user_create(&A, email, "Admin", pwhash, 1, &u, &derr);
	if (rc == DOM_OK)
		rc = org_create(&A, &actor_cli, org_name, "default", NULL, u.id, 1,
		    &o, &p, &derr);
	sodium_memzero(pwhash, sizeof(pwhash));
	if (rc != DOM_OK || commit() != EX_OK) {
		/* Leave no half-initialised database behind: init must be
		 * re-runnable after a refused attempt. */
		store_rollback();
		store_close();
		unlink_db();
		return dom_exit(rc == DOM_OK ? DOM_STORE : rc, &derr, "init");
	}
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "orgId", o.id);
	jw_kstr(&w, "projectId", p.id);
	jw_kstr(&w, "userId", u.id);
	jw_kstr(&w, "email", u.email);
	if (password == gen)
		jw_kstr(&w, "secret", gen);
	jw_obj_close(&w);
	if (opt_json)
		emit(&out, NULL);
	else {
		printf("initialised %s\norg %s (default)\nproject %s (default)\n"
		    "admin %s (%s)\n", cfg.data_dir, o.id, p.id, u.email, u.id);
		if (password == gen)
			printf("password %s\n", gen);
	}
	buf_wipe(&out);
	buf_free(&out);
	sodium_memzero(gen, sizeof(gen));
	return EX_OK;
}

static int
cmd_migrate(struct args *a)
{
	char err[512], path[4200];
	int applied[64], n;
	struct buf out;
	struct jw w;

	(void)a;
	if (secrets_create_missing(cfg.data_dir, err, sizeof(err)) == -1) {
		fail_msg("%s", err);
		return EX_CONFIG;
	}
	/* A retired M2M key past its window is deleted (01-auth.md §10.2). */
	snprintf(path, sizeof(path), "%s/m2m_ed25519.prev.key", cfg.data_dir);
	{
		FILE *f = fopen(path, "r");
		char l1[128], l2[64];

		if (f != NULL) {
			if (fgets(l1, sizeof(l1), f) && fgets(l2, sizeof(l2), f) &&
			    clock_now_ms() >= strtoll(l2, NULL, 10) +
			    cfg.m2m_token_lifetime * 1000)
				unlink(path);
			sodium_memzero(l1, sizeof(l1));
			fclose(f);
		}
	}
	if ((n = store_migrate(applied, 64)) < 0) {
		fail_msg("migrations failed");
		return EX_CONFIG;
	}
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kint(&w, "schemaVersion", store_schema_version());
	jw_key(&w, "applied");
	jw_arr_open(&w);
	for (int i = 0; i < n && i < 64; i++)
		jw_int(&w, applied[i]);
	jw_arr_close(&w);
	jw_obj_close(&w);
	if (!opt_json)
		printf("schema version %d (%d migration%s applied)\n",
		    store_schema_version(), n, n == 1 ? "" : "s");
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* ----------------------------------------------------------------- orgs */

static int
cmd_org_create(struct args *a)
{
	struct dom_err derr;
	struct org o;
	struct project p;
	struct buf out;
	struct jw w;
	enum dom_rc rc;

	if (!HAS(a, O_NAME)) {
		fail_msg("org create: --name is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	rc = org_create(&A, &actor_cli, ARG(a, O_NAME), ARG(a, O_SLUG), NULL,
	    NULL, 0, &o, &p, &derr);
	if ((rc = finish(rc, &derr, "org create")) != EX_OK)
		return rc;
	buf_init(&out);
	jw_init(&w, &out);
	org_render(&w, &o);
	if (!opt_json)
		printf("org %s %s (%s)\n", o.id, o.slug, o.name);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

static int
org_list_one(const struct org *o, void *arg)
{
	struct jw *w = arg;

	if (opt_json)
		org_render(w, o);
	else
		printf("%s\t%s\t%s%s\n", o->id, o->slug, o->name,
		    o->is_default ? "\t(default)" : "");
	return 0;
}

static int
list_begin(struct buf *out, struct jw *w)
{
	buf_init(out);
	jw_init(w, out);
	jw_obj_open(w);
	jw_key(w, "items");
	jw_arr_open(w);
	return store_begin_read() == STORE_OK ? 0 : -1;
}

static int
list_end(struct buf *out, struct jw *w, enum dom_rc rc)
{
	store_rollback();
	jw_arr_close(w);
	jw_obj_close(w);
	if (rc != DOM_OK) {
		buf_free(out);
		return dom_exit(rc, NULL, "list");
	}
	if (opt_json)
		emit(out, NULL);
	buf_free(out);
	return EX_OK;
}

static int
cmd_org_list(struct args *a)
{
	struct buf out;
	struct jw w;

	(void)a;
	if (list_begin(&out, &w) == -1)
		return EX_BUSY;
	return list_end(&out, &w, org_list(&A, org_list_one, &w));
}

/* ---------------------------------------------------------------- users */

static int
cmd_user_create(struct args *a)
{
	char pwhash[128], gen[33];
	const char *password = ARG(a, O_PASSWORD);
	struct dom_err derr;
	struct user u;
	struct buf out;
	struct jw w;
	enum dom_rc rc;
	int ex;

	if (!HAS(a, O_EMAIL)) {
		fail_msg("user create: --email is required");
		return EX_USAGE_;
	}
	if (password == NULL) {
		generate_password(gen);
		password = gen;
	}
	if (password_hash(pwhash, password) == -1)
		return EX_REFUSED;
	if (begin() == -1)
		return EX_BUSY;
	rc = user_create(&A, ARG(a, O_EMAIL), ARG(a, O_NAME), pwhash,
	    HAS(a, O_PLATFORM_ADMIN), &u, &derr);
	sodium_memzero(pwhash, sizeof(pwhash));
	if ((ex = finish(rc, &derr, "user create")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "userId", u.id);
	jw_kstr(&w, "email", u.email);
	if (password == gen)
		jw_kstr(&w, "secret", gen);
	jw_obj_close(&w);
	if (!opt_json) {
		printf("user %s %s\n", u.id, u.email);
		if (password == gen)
			printf("password %s\n", gen);
	}
	emit(&out, NULL);
	buf_wipe(&out);
	buf_free(&out);
	sodium_memzero(gen, sizeof(gen));
	return EX_OK;
}

static int
find_user(const char *email, struct user *u)
{
	enum dom_rc rc = user_get_by_email(&A, email, u);

	if (rc == DOM_NOT_FOUND) {
		fail_msg("User not found: %s", email);
		return EX_REFUSED;
	}
	return rc == DOM_OK ? EX_OK : dom_exit(rc, NULL, "user lookup");
}

static int
print_user_id(const char *id)
{
	struct buf out;
	struct jw w;

	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "userId", id);
	jw_obj_close(&w);
	if (!opt_json)
		printf("user %s\n", id);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

static int
cmd_user_set_password(struct args *a)
{
	char pwhash[128], gen[33];
	const char *password = ARG(a, O_PASSWORD);
	struct user u;
	enum dom_rc rc;
	int ex;

	if (!HAS(a, O_EMAIL)) {
		fail_msg("user set-password: --email is required");
		return EX_USAGE_;
	}
	if (password == NULL) {
		generate_password(gen);
		password = gen;
	}
	if (password_hash(pwhash, password) == -1)
		return EX_REFUSED;
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = find_user(ARG(a, O_EMAIL), &u)) != EX_OK) {
		store_rollback();
		return ex;
	}
	rc = user_set_password(&A, u.id, pwhash);
	sodium_memzero(pwhash, sizeof(pwhash));
	if ((ex = finish(rc, NULL, "user set-password")) != EX_OK)
		return ex;
	if (password == gen) {
		struct buf out;
		struct jw w;

		buf_init(&out);
		jw_init(&w, &out);
		jw_obj_open(&w);
		jw_kstr(&w, "userId", u.id);
		jw_kstr(&w, "secret", gen);
		jw_obj_close(&w);
		if (!opt_json)
			printf("user %s\npassword %s\n", u.id, gen);
		emit(&out, NULL);
		buf_wipe(&out);
		buf_free(&out);
		sodium_memzero(gen, sizeof(gen));
		return EX_OK;
	}
	return print_user_id(u.id);
}

static int
user_toggle(struct args *a, int disabled)
{
	struct user u;
	int ex;

	if (!HAS(a, O_EMAIL)) {
		fail_msg("--email is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = find_user(ARG(a, O_EMAIL), &u)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(user_set_disabled(&A, u.id, disabled), NULL,
	    "user")) != EX_OK)
		return ex;
	return print_user_id(u.id);
}

static int cmd_user_disable(struct args *a) { return user_toggle(a, 1); }
static int cmd_user_enable(struct args *a) { return user_toggle(a, 0); }

/* -------------------------------------------------------------- members */

static int
cmd_member_add(struct args *a)
{
	struct dom_err derr;
	struct user u;
	struct org o;
	struct buf out;
	struct jw w;
	int ex;

	if (!HAS(a, O_ORG) || !HAS(a, O_EMAIL) || !HAS(a, O_ROLE)) {
		fail_msg("member add: --org, --email and --role are required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK ||
	    (ex = find_user(ARG(a, O_EMAIL), &u)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(member_add(&A, &actor_cli, o.id, u.id, ARG(a, O_ROLE),
	    NULL, &derr), &derr, "member add")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "orgId", o.id);
	jw_kstr(&w, "userId", u.id);
	jw_kstr(&w, "role", ARG(a, O_ROLE));
	jw_obj_close(&w);
	if (!opt_json)
		printf("member %s of %s as %s\n", u.id, o.id, ARG(a, O_ROLE));
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

static int
cmd_member_remove(struct args *a)
{
	struct dom_err derr;
	struct user u;
	struct org o;
	struct buf out;
	struct jw w;
	int ex;

	if (!HAS(a, O_ORG) || !HAS(a, O_EMAIL)) {
		fail_msg("member remove: --org and --email are required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK ||
	    (ex = find_user(ARG(a, O_EMAIL), &u)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(member_remove(&A, &actor_cli, o.id, u.id, &derr), &derr,
	    "member remove")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "orgId", o.id);
	jw_kstr(&w, "userId", u.id);
	jw_knull(&w, "role");
	jw_obj_close(&w);
	if (!opt_json)
		printf("removed %s from %s\n", u.id, o.id);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* ------------------------------------------------------------- projects */

static int
cmd_project_create(struct args *a)
{
	struct dom_err derr;
	struct project p;
	struct org o;
	struct buf out;
	struct jw w;
	int ex;

	if (!HAS(a, O_ORG) || !HAS(a, O_NAME)) {
		fail_msg("project create: --org and --name are required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(project_create(&A, &actor_cli, o.id, ARG(a, O_NAME),
	    ARG(a, O_SLUG), 0, NULL, &p, &derr), &derr, "project create")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	project_render(&w, &p);
	if (!opt_json)
		printf("project %s %s (%s)\n", p.id, p.slug, p.name);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

static int
project_list_one(const struct project *p, void *arg)
{
	struct jw *w = arg;

	if (opt_json)
		project_render(w, p);
	else
		printf("%s\t%s\t%s%s\n", p->id, p->slug, p->name,
		    p->is_default ? "\t(default)" : "");
	return 0;
}

static int
cmd_project_list(struct args *a)
{
	struct buf out;
	struct jw w;
	struct org o;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("project list: --org is required");
		return EX_USAGE_;
	}
	if (list_begin(&out, &w) == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		buf_free(&out);
		return ex;
	}
	return list_end(&out, &w, project_list(&A, o.id, project_list_one, &w));
}

/* ----------------------------------------------------------------- keys */

static int
print_minted(const char *idname, const char *prefixname, const struct minted *m,
    int with_expiry, const char *what)
{
	char ts[ISO8601_LEN + 1];
	struct buf out;
	struct jw w;

	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, idname, m->id);
	if (prefixname != NULL)
		jw_kstr(&w, prefixname, m->prefix);
	if (with_expiry) {
		iso8601_ms(ts, m->expires_at);
		jw_kstr(&w, "expiresAt", ts);
	}
	jw_kstr(&w, "secret", m->secret);
	jw_obj_close(&w);
	if (!opt_json)
		printf("%s %s\n%s\n", what, m->id, m->secret);
	emit(&out, NULL);
	buf_wipe(&out);
	buf_free(&out);
	sodium_memzero(m->secret, strlen(m->secret));
	return EX_OK;
}

static const char *worker_scopes[] = {
	"worker:register", "worker:poll", "worker:heartbeat", "worker:session"
};
static const char *star_scope[] = { "*" };
static const char *system_scope[] = { "system" };

static int
cmd_key_create(struct args *a)
{
	struct key_mint km;
	struct dom_err derr;
	struct minted m;
	struct org o;
	int ex;

	memset(&km, 0, sizeof(km));
	km.name = HAS(a, O_NAME) ? ARG(a, O_NAME) : "rensei-admin";
	km.key_type = HAS(a, O_TYPE) ? ARG(a, O_TYPE) : "user";
	if (HAS(a, O_SYSTEM)) {
		if (HAS(a, O_ORG) || HAS(a, O_SCOPES) || HAS(a, O_PROJECTS) ||
		    HAS(a, O_TYPE) || HAS(a, O_EXPIRES_IN)) {
			fail_msg("key create --system takes only --name");
			return EX_USAGE_;
		}
		km.scopes = system_scope;
		km.nscopes = 1;
		if (begin() == -1)
			return EX_BUSY;
		if ((ex = finish(key_mint(&A, &actor_cli, &km, &m, &derr), &derr,
		    "key create")) != EX_OK)
			return ex;
		return print_minted("keyId", "keyPrefix", &m, 0, "key");
	}
	if (!HAS(a, O_ORG)) {
		fail_msg("key create: --org (or --system) is required");
		return EX_USAGE_;
	}
	if (strcmp(km.key_type, "user") != 0 &&
	    strcmp(km.key_type, "worker_registration") != 0) {
		fail_msg("--type must be user or worker_registration");
		return EX_USAGE_;
	}
	if (HAS(a, O_EXPIRES_IN)) {
		int64_t s;

		if (parse_seconds(ARG(a, O_EXPIRES_IN), &s) == -1) {
			fail_msg("--expires-in must be a positive number of seconds");
			return EX_USAGE_;
		}
		km.expires_at = clock_now_ms() + s * 1000;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		return ex;
	}
	km.org_id = o.id;
	if (HAS(a, O_PROJECTS)) {
		const char **names = split_list(ARG(a, O_PROJECTS), &km.nprojects);
		const char **ids = arena_alloc(&A, (size_t)(km.nprojects + 1) *
		    sizeof(*ids));

		for (int i = 0; i < km.nprojects; i++) {
			struct project p;

			if (project_get(&A, o.id, names[i], &p) != DOM_OK) {
				store_rollback();
				fail_msg("Unknown project: %s", names[i]);
				return EX_REFUSED;
			}
			ids[i] = p.id;
		}
		km.project_ids = ids;
		if (km.nprojects == 0)
			km.project_ids = NULL;
	}
	if (HAS(a, O_SCOPES))
		km.scopes = split_list(ARG(a, O_SCOPES), &km.nscopes);
	else if (km.project_ids != NULL ||
	    strcmp(km.key_type, "worker_registration") == 0) {
		km.scopes = worker_scopes;
		km.nscopes = 4;
	} else {
		km.scopes = star_scope;
		km.nscopes = 1;
	}
	if ((ex = finish(key_mint(&A, &actor_cli, &km, &m, &derr), &derr,
	    "key create")) != EX_OK)
		return ex;
	return print_minted("keyId", "keyPrefix", &m, 0, "key");
}

static void
jw_iso_or_null(struct jw *w, const char *k, int64_t ms)
{
	char ts[ISO8601_LEN + 1];

	if (ms == 0) {
		jw_knull(w, k);
		return;
	}
	iso8601_ms(ts, ms);
	jw_kstr(w, k, ts);
}

static int
key_list_one(const struct key_info *k, void *arg)
{
	struct jw *w = arg;

	if (!opt_json) {
		printf("%s\t%s\t%s\t%s\t%s%s\n", k->id, k->prefix, k->key_type,
		    k->scopes_json, k->name, k->revoked_at ? "\t(revoked)" : "");
		return 0;
	}
	jw_obj_open(w);
	jw_kstr(w, "id", k->id);
	jw_kstr(w, "orgId", k->org_id);
	jw_kstr(w, "name", k->name);
	jw_kstr(w, "keyType", k->key_type);
	jw_kstr(w, "keyPrefix", k->prefix);
	jw_key(w, "scopes");
	jw_raw(w, k->scopes_json, strlen(k->scopes_json));
	jw_key(w, "projectIds");
	if (k->project_ids_json)
		jw_raw(w, k->project_ids_json, strlen(k->project_ids_json));
	else
		jw_str(w, "all");
	jw_kstr(w, "createdBy", k->created_by);
	jw_iso_or_null(w, "createdAt", k->created_at);
	jw_iso_or_null(w, "expiresAt", k->expires_at);
	jw_iso_or_null(w, "lastUsedAt", k->last_used_at);
	jw_iso_or_null(w, "revokedAt", k->revoked_at);
	jw_obj_close(w);
	return 0;
}

static int
cmd_key_list(struct args *a)
{
	struct buf out;
	struct jw w;
	struct org o;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("key list: --org is required");
		return EX_USAGE_;
	}
	if (list_begin(&out, &w) == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		buf_free(&out);
		return ex;
	}
	return list_end(&out, &w, key_list(&A, o.id, 1, key_list_one, &w));
}

static int
cmd_key_revoke(struct args *a)
{
	struct dom_err derr;
	struct buf out;
	struct jw w;
	int ex;

	if (!HAS(a, O_ID)) {
		fail_msg("key revoke: --id is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = finish(key_revoke(&A, &actor_cli, NULL, ARG(a, O_ID), &derr),
	    &derr, "key revoke")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "keyId", ARG(a, O_ID));
	jw_obj_close(&w);
	if (!opt_json)
		printf("revoked %s\n", ARG(a, O_ID));
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* ------------------------------------------------- registration tokens */

/* --project takes an id anywhere, or a slug of the default org. */
static int
resolve_project(const char *id_or_slug, struct project *p)
{
	static const char sql[] =
	    "SELECT org_id FROM projects WHERE id = ?1 AND deleted_at IS NULL";
	static const char sql_def[] = "SELECT id FROM orgs WHERE is_default = 1";
	struct sstmt *st = store_stmt(strncmp(id_or_slug, "proj_", 5) == 0 ?
	    sql : sql_def);
	const char *org = NULL;

	if (st == NULL)
		return EX_BUSY;
	if (strncmp(id_or_slug, "proj_", 5) == 0)
		ss_bind_text(st, 1, id_or_slug);
	if (ss_step(st) == STORE_ROW)
		org = arena_strdup(&A, ss_text(st, 0));
	ss_reset(st);
	if (org == NULL || project_get(&A, org, id_or_slug, p) != DOM_OK) {
		fail_msg("Project not found: %s", id_or_slug);
		return EX_REFUSED;
	}
	return EX_OK;
}

static int
cmd_token_create(struct args *a)
{
	struct dom_err derr;
	struct project p;
	struct minted m;
	int64_t ttl = cfg.registration_token_ttl;
	int ex;

	if (!HAS(a, O_PROJECT)) {
		fail_msg("token create: --project is required");
		return EX_USAGE_;
	}
	if (HAS(a, O_EXPIRES_IN) && parse_seconds(ARG(a, O_EXPIRES_IN), &ttl) == -1) {
		fail_msg("--expires-in must be a positive number of seconds");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_project(ARG(a, O_PROJECT), &p)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(regtoken_mint(&A, &actor_cli, p.org_id, p.id,
	    HAS(a, O_NAME) ? ARG(a, O_NAME) : "rensei-admin", NULL, ttl, &m, &derr),
	    &derr, "token create")) != EX_OK)
		return ex;
	return print_minted("tokenId", "tokenPrefix", &m, 1, "token");
}

/* ------------------------------------------------------------------ M2M */

static int
cmd_m2m_create(struct args *a)
{
	struct dom_err derr;
	const char **scopes;
	struct minted m;
	struct org o;
	int n, ex;

	if (!HAS(a, O_ORG) || !HAS(a, O_NAME) || !HAS(a, O_SCOPES)) {
		fail_msg("m2m create: --org, --name and --scopes are required");
		return EX_USAGE_;
	}
	scopes = split_list(ARG(a, O_SCOPES), &n);
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(m2m_create(&A, &actor_cli, o.id, ARG(a, O_NAME), scopes,
	    n, NULL, &m, &derr), &derr, "m2m create")) != EX_OK)
		return ex;
	return print_minted("clientId", NULL, &m, 0, "client");
}

static int
m2m_list_one(const struct m2m_info *m, void *arg)
{
	struct jw *w = arg;

	if (!opt_json) {
		printf("%s\t%s\t%s\n", m->id, m->name, m->scopes_json);
		return 0;
	}
	jw_obj_open(w);
	jw_kstr(w, "clientId", m->id);
	jw_kstr(w, "name", m->name);
	jw_kstr(w, "orgId", m->org_id);
	jw_key(w, "scopes");
	jw_raw(w, m->scopes_json, strlen(m->scopes_json));
	jw_kint(w, "createdAt", m->created_at);
	if (m->last_used_at)
		jw_kint(w, "lastUsedAt", m->last_used_at);
	else
		jw_knull(w, "lastUsedAt");
	jw_obj_close(w);
	return 0;
}

static int
cmd_m2m_list(struct args *a)
{
	struct buf out;
	struct jw w;
	struct org o;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("m2m list: --org is required");
		return EX_USAGE_;
	}
	if (list_begin(&out, &w) == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		buf_free(&out);
		return ex;
	}
	return list_end(&out, &w, m2m_list(&A, o.id, m2m_list_one, &w));
}

static int
cmd_m2m_delete(struct args *a)
{
	static const char sql[] = "SELECT org_id FROM m2m_clients WHERE id = ?1";
	struct dom_err derr;
	struct sstmt *st;
	struct buf out;
	struct jw w;
	const char *org = NULL;
	int ex;

	if (!HAS(a, O_ID)) {
		fail_msg("m2m delete: --id is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((st = store_stmt(sql)) != NULL) {
		ss_bind_text(st, 1, ARG(a, O_ID));
		if (ss_step(st) == STORE_ROW)
			org = arena_strdup(&A, ss_text(st, 0));
		ss_reset(st);
	}
	if (org == NULL) {
		store_rollback();
		fail_msg("M2M client not found");
		return EX_REFUSED;
	}
	if ((ex = finish(m2m_delete(&A, &actor_cli, org, ARG(a, O_ID), &derr),
	    &derr, "m2m delete")) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "clientId", ARG(a, O_ID));
	jw_obj_close(&w);
	if (!opt_json)
		printf("deleted %s\n", ARG(a, O_ID));
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* 01-auth.md §10.2: current seed → m2m_ed25519.prev.key (seed line, then the
 * retirement time), new seed in its place; refused while a retired key is
 * still inside its window. */
static int
cmd_m2m_rotate_key(struct args *a)
{
	char cur[4200], prev[4200], tmp[4300], l1[128], l2[64], err[512];
	uint8_t pk[32], sk[64], seed[32];
	char kid[17];
	struct buf out;
	struct jw w;
	FILE *f;
	int fd;

	(void)a;
	if (cfg.m2m_ed25519_seed_hex != NULL) {
		fail_msg("M2M_ED25519_SEED is set: rotate the variable instead "
		    "(rotate-key manages the file form only)");
		return EX_REFUSED;
	}
	snprintf(cur, sizeof(cur), "%s/m2m_ed25519.key", cfg.data_dir);
	snprintf(prev, sizeof(prev), "%s/m2m_ed25519.prev.key", cfg.data_dir);
	if ((f = fopen(prev, "r")) != NULL) {
		int inside = fgets(l1, sizeof(l1), f) && fgets(l2, sizeof(l2), f) &&
		    clock_now_ms() < strtoll(l2, NULL, 10) +
		    cfg.m2m_token_lifetime * 1000;

		fclose(f);
		sodium_memzero(l1, sizeof(l1));
		if (inside) {
			fail_msg("a retired key is still inside its window; try "
			    "again after it expires");
			return EX_REFUSED;
		}
		unlink(prev);
	}
	if ((f = fopen(cur, "r")) == NULL || fgets(l1, sizeof(l1), f) == NULL ||
	    strlen(l1) != 65) {
		if (f)
			fclose(f);
		fail_msg("%s: missing or malformed", cur);
		return EX_CONFIG;
	}
	fclose(f);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", prev, (long)getpid());
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd == -1 || dprintf(fd, "%.64s\n%lld\n", l1,
	    (long long)clock_now_ms()) < 0 || fsync(fd) == -1) {
		if (fd != -1)
			close(fd);
		unlink(tmp);
		fail_msg("%s: cannot write", prev);
		return EX_CONFIG;
	}
	close(fd);
	sodium_memzero(l1, sizeof(l1));
	if (rename(tmp, prev) == -1 || unlink(cur) == -1 ||
	    secrets_create_missing(cfg.data_dir, err, sizeof(err)) == -1) {
		fail_msg("rotation failed: %s", err);
		return EX_CONFIG;
	}
	if ((f = fopen(cur, "r")) == NULL || fgets(l1, sizeof(l1), f) == NULL ||
	    hex_decode(seed, 32, l1, 64, 1) != 32) {
		if (f)
			fclose(f);
		return EX_CONFIG;
	}
	fclose(f);
	crypto_sign_seed_keypair(pk, sk, seed);
	jwt_eddsa_kid(kid, pk);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(l1, sizeof(l1));
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "kid", kid);
	jw_obj_close(&w);
	if (!opt_json)
		printf("new M2M signing key %s; send SIGHUP to every responder\n", kid);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* ---------------------------------------------------------- SCIM tokens */

static int
cmd_scim_token_create(struct args *a)
{
	struct dom_err derr;
	struct minted m;
	struct org o;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("scim-token create: --org is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(scim_token_create(&A, &actor_cli, o.id,
	    HAS(a, O_NAME) ? ARG(a, O_NAME) : "rensei-admin", NULL, &m, &derr),
	    &derr, "scim-token create")) != EX_OK)
		return ex;
	return print_minted("tokenId", "tokenPrefix", &m, 0, "token");
}

/* ---------------------------------------------------------- credentials */

/* --org, optional --project (then optional --env): the level's keys. */
static int
credential_scope(struct args *a, const char **org, const char **proj,
    const char **env)
{
	struct org o;
	struct project p;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("--org is required");
		return EX_USAGE_;
	}
	if (HAS(a, O_ENV) && !HAS(a, O_PROJECT)) {
		fail_msg("--env needs --project");
		return EX_USAGE_;
	}
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK)
		return ex;
	*org = o.id;
	*proj = "";
	*env = "";
	if (HAS(a, O_PROJECT)) {
		if (project_get(&A, o.id, ARG(a, O_PROJECT), &p) != DOM_OK) {
			fail_msg("Project not found: %s", ARG(a, O_PROJECT));
			return EX_REFUSED;
		}
		*proj = p.id;
	}
	if (HAS(a, O_ENV)) {
		if (!credential_env_valid(ARG(a, O_ENV))) {
			fail_msg("envName must match ^[a-z0-9][a-z0-9_-]{0,47}$");
			return EX_REFUSED;
		}
		*env = ARG(a, O_ENV);
	}
	return EX_OK;
}

static int
cmd_credential_set(struct args *a)
{
	const char *org, *proj, *env;
	struct credential c;
	struct dom_err derr;
	struct buf val, out;
	struct jw w;
	char chunk[4096];
	size_t n;
	int ex, created;

	if (!HAS(a, O_NAME)) {
		fail_msg("credential set: --name is required (value on stdin)");
		return EX_USAGE_;
	}
	/* The value comes from stdin, never from an option (12-admin-cli.md):
	 * argv is visible to every user through /proc. */
	buf_init(&val);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && val.len <= 65537)
		buf_append(&val, chunk, n);
	sodium_memzero(chunk, sizeof(chunk));
	if (val.len > 0 && val.data[val.len - 1] == '\n')
		val.len--;
	if (val.len > 0 && memchr(val.data, '\0', val.len) != NULL) {
		buf_wipe(&val);
		buf_free(&val);
		fail_msg("value must not contain NUL bytes");
		return EX_REFUSED;
	}
	if (begin() == -1) {
		buf_wipe(&val);
		buf_free(&val);
		return EX_BUSY;
	}
	if ((ex = credential_scope(a, &org, &proj, &env)) != EX_OK) {
		store_rollback();
		buf_wipe(&val);
		buf_free(&val);
		return ex;
	}
	ex = finish(credential_put(&A, &actor_cli, org, proj, env, ARG(a, O_NAME),
	    (const uint8_t *)(val.data ? val.data : ""), val.len,
	    ARG(a, O_DESCRIPTION), 0, &c, &created, &derr), &derr,
	    "credential set");
	buf_wipe(&val);
	buf_free(&val);
	if (ex != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	credential_render(&w, &c);
	if (!opt_json)
		printf("credential %s %s (version %lld)\n", c.name,
		    created ? "created" : "updated", (long long)c.version);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

static int
cmd_credential_delete(struct args *a)
{
	const char *org, *proj, *env;
	struct dom_err derr;
	int ex;

	if (!HAS(a, O_NAME)) {
		fail_msg("credential delete: --name is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = credential_scope(a, &org, &proj, &env)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if ((ex = finish(credential_delete(&A, &actor_cli, org, proj, env,
	    ARG(a, O_NAME), &derr), &derr, "credential delete")) != EX_OK)
		return ex;
	if (opt_json)
		printf("{}\n");
	else
		printf("deleted %s\n", ARG(a, O_NAME));
	return EX_OK;
}

static int
credential_list_one(const struct credential *c, void *arg)
{
	struct jw *w = arg;

	if (opt_json)
		credential_render(w, c);
	else
		printf("%s\t%s\t%s\tv%lld\n", c->name, c->level,
		    *c->env_name ? c->env_name : "-", (long long)c->version);
	return 0;
}

static int
cmd_credential_list(struct args *a)
{
	const char *org, *proj, *env;
	struct buf out;
	struct jw w;
	int ex;

	if (list_begin(&out, &w) == -1)
		return EX_BUSY;
	if ((ex = credential_scope(a, &org, &proj, &env)) != EX_OK) {
		store_rollback();
		buf_free(&out);
		return ex;
	}
	return list_end(&out, &w, credential_list(&A, org, *proj ? proj : NULL,
	    *env ? env : NULL, credential_list_one, &w));
}

/* ---------------------------------------------------------------- audit */

struct verify_ctx {
	struct jw *w;
	int        all_valid;
	int        count;
};

static void
verify_render(struct jw *w, const char *org_id,
    const struct audit_verify_result *r)
{
	jw_obj_open(w);
	jw_kstr(w, "orgId", org_id);
	jw_kbool(w, "valid", r->valid);
	jw_kint(w, "eventCount", r->event_count);
	if (r->valid)
		jw_knull(w, "brokenAt");
	else
		jw_kint(w, "brokenAt", r->broken_at);
	if (!r->valid)
		jw_kstr(w, "reason", audit_break_name(r->reason));
	jw_obj_close(w);
}

static int
verify_one(const char *org_id, const struct audit_verify_result *r, void *arg)
{
	struct verify_ctx *v = arg;

	v->count++;
	v->all_valid &= r->valid;
	if (opt_json)
		verify_render(v->w, org_id, r);
	else if (r->valid)
		printf("%s\tvalid\t%lld events\n", org_id, (long long)r->event_count);
	else
		printf("%s\tBROKEN at sequence %lld (%s)\t%lld events\n", org_id,
		    (long long)r->broken_at, audit_break_name(r->reason),
		    (long long)r->event_count);
	return 0;
}

/* One org: {orgId, valid, eventCount, brokenAt}; all orgs: the same
 * objects under "orgs" with an overall "valid". */
static int
cmd_audit_verify(struct args *a)
{
	struct verify_ctx v = { NULL, 1, 0 };
	struct audit_verify_result r;
	struct buf items, out;
	struct jw wi, w;
	struct org o;
	int ex = EX_OK;

	buf_init(&items);
	buf_init(&out);
	jw_init(&wi, &items);
	v.w = &wi;
	if (store_begin_read() != STORE_OK) {
		ex = EX_BUSY;
		goto done;
	}
	if (HAS(a, O_ORG)) {
		if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK)
			goto done;
		if (audit_verify(o.id, 1, INT64_MAX, &r) == -1) {
			ex = EX_BUSY;
			goto done;
		}
		verify_one(o.id, &r, &v);
		buf_append(&out, items.data, items.len);
	} else {
		jw_arr_open(&wi);
		if (audit_verify_all(verify_one, &v) == -1) {
			ex = EX_BUSY;
			goto done;
		}
		jw_arr_close(&wi);
		jw_init(&w, &out);
		jw_obj_open(&w);
		jw_kbool(&w, "valid", v.all_valid);
		jw_key(&w, "orgs");
		jw_raw(&w, items.data, items.len);
		jw_obj_close(&w);
	}
	emit(&out, NULL);
	ex = v.all_valid ? EX_OK : EX_REFUSED;
done:
	store_rollback();
	buf_free(&items);
	buf_free(&out);
	return ex;
}

static int
cmd_audit_rotate_key(struct args *a)
{
	char kid[AUDIT_KID_LEN + 1];
	int64_t version;
	struct buf out;
	struct jw w;
	struct org o;
	int ex;

	if (!HAS(a, O_ORG)) {
		fail_msg("audit rotate-key: --org is required");
		return EX_USAGE_;
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_org(ARG(a, O_ORG), &o)) != EX_OK) {
		store_rollback();
		return ex;
	}
	if (audit_rotate_key(&A, o.id, actor_cli.type, actor_cli.id, kid,
	    &version) == -1) {
		store_rollback();
		fail_msg("audit rotate-key failed");
		return EX_BUSY;
	}
	if ((ex = commit()) != EX_OK)
		return ex;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "kid", kid);
	jw_kint(&w, "keyVersion", version);
	jw_obj_close(&w);
	if (!opt_json)
		printf("org %s now signs with %s (version %lld)\n", o.id, kid,
		    (long long)version);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* -------------------------------------------------- sessions, cleanup */

/* 1-64 printable ASCII without spaces (04-console.md §4.3). */
static int
issue_identifier_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static size_t
utf8_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* As POST /api/projects/{projectId}/sessions (04-console.md §4.3), with
 * source cli; prints that route's 201 body. */
static int
cmd_session_enqueue(struct args *a)
{
	char hex[SHA256_HEX_LEN + 1], hash[SESSION_HASH_LEN + 1];
	char ts[ISO8601_LEN + 1];
	struct session_dispatch_in in;
	enum session_placement placed;
	struct session s;
	struct project p;
	struct dom_err derr;
	struct buf out;
	struct jw w;
	const char *ident = ARG(a, O_ISSUE), *key, *prompt = ARG(a, O_PROMPT);
	char *end;
	long prio = 3;
	int created, ex;

	if (!HAS(a, O_PROJECT) || !HAS(a, O_ISSUE)) {
		fail_msg("session enqueue: --project and --issue are required");
		return EX_USAGE_;
	}
	if (!issue_identifier_valid(ident)) {
		fail_msg("issueIdentifier must be 1-64 printable ASCII "
		    "characters without spaces");
		return EX_REFUSED;
	}
	if (prompt != NULL && *prompt == '\0')
		prompt = NULL;
	if (prompt != NULL && strlen(prompt) > 32768) {
		fail_msg("prompt exceeds 32768 bytes");
		return EX_REFUSED;
	}
	if (HAS(a, O_TITLE) && utf8_count(ARG(a, O_TITLE)) > 500) {
		fail_msg("issueTitle must be at most 500 characters");
		return EX_REFUSED;
	}
	if (HAS(a, O_WORK_TYPE) && !session_work_type_valid(ARG(a, O_WORK_TYPE))) {
		struct buf l;

		buf_init(&l);
		for (int i = 0; session_work_types[i] != NULL; i++)
			buf_printf(&l, "%s%s", i ? ", " : "",
			    session_work_types[i]);
		fail_msg("workType must be one of: %s", l.data);
		buf_free(&l);
		return EX_REFUSED;
	}
	if (HAS(a, O_PRIORITY)) {
		errno = 0;
		prio = strtol(ARG(a, O_PRIORITY), &end, 10);
		if (errno != 0 || *ARG(a, O_PRIORITY) == '\0' || *end != '\0' ||
		    prio < 1 || prio > 9) {
			fail_msg("priority must be an integer between 1 and 9");
			return EX_REFUSED;
		}
	}
	if (begin() == -1)
		return EX_BUSY;
	if ((ex = resolve_project(ARG(a, O_PROJECT), &p)) != EX_OK) {
		store_rollback();
		return ex;
	}
	key = arena_printf(&A, "%s:%s", p.id, ident);
	sha256_hex(hex, key, strlen(key));
	hex[24] = '\0';
	memset(&in, 0, sizeof(in));
	in.org_id = p.org_id;
	in.project_id = p.id;
	in.tracker_provider = "rensei";
	in.issue_id = arena_printf(&A, "iss_%s", hex);
	in.issue_identifier = ident;
	in.has_priority = 1;
	in.priority = (double)prio;
	in.work_type = ARG(a, O_WORK_TYPE);
	in.source = "cli";
	in.issue_title = ARG(a, O_TITLE);
	in.prompt = prompt;
	if ((ex = finish(session_dispatch(&A, &actor_cli, &in, &s, &placed,
	    &created, &derr), &derr, "session enqueue")) != EX_OK)
		return ex;
	if (session_hash(hash, s.tracker_session_id) == -1) {
		fail_msg("session hash secret unusable");
		return EX_CONFIG;
	}
	iso8601_ms(ts, s.created_at);
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kstr(&w, "publicId", s.public_id);
	jw_kstr(&w, "trackerSessionId", s.tracker_session_id);
	jw_kstr(&w, "sessionHash", hash);
	jw_kstr(&w, "status", placed == SESSION_PARKED ? "parked" : "queued");
	jw_kstr(&w, "projectId", s.project_id);
	jw_kstr(&w, "issueIdentifier", s.issue_identifier);
	jw_kstr(&w, "workType", s.work_type);
	jw_kint(&w, "priority", s.priority);
	jw_kstr(&w, "createdAt", ts);
	jw_obj_close(&w);
	if (!opt_json)
		printf("session %s %s (public id %s, priority %lld)\n",
		    s.tracker_session_id,
		    placed == SESSION_PARKED ? "parked" : "queued", s.public_id,
		    (long long)s.priority);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* The §6.9 sweep now, whatever the maintenance row says (it is stamped
 * so a poll does not repeat it at once). */
static int
cmd_cleanup(struct args *a)
{
	struct cleanup_result res;
	struct buf out;
	struct jw w;

	(void)a;
	if (cleanup_stamp() == -1 || cleanup_run(&A, &res) == -1) {
		fail_msg("cleanup: store busy or failed (%s)", store_errmsg());
		return EX_BUSY;
	}
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_kint(&w, "requeued", res.requeued);
	jw_kint(&w, "purged", res.purged);
	jw_obj_close(&w);
	if (!opt_json)
		printf("requeued %lld, purged %lld\n", (long long)res.requeued,
		    (long long)res.purged);
	emit(&out, NULL);
	buf_free(&out);
	return EX_OK;
}

/* ------------------------------------------------------------- dispatch */

static const struct command commands[] = {
	{ "init", NULL, cmd_init, { O_ADMIN_EMAIL, O_ADMIN_PASSWORD, O_ORG_NAME }, 0,
	  "init [--admin-email E] [--admin-password P] [--org-name N]" },
	{ "migrate", NULL, cmd_migrate, { 0 }, 1, "migrate" },
	{ "org", "create", cmd_org_create, { O_NAME, O_SLUG }, 1,
	  "org create --name N [--slug S]" },
	{ "org", "list", cmd_org_list, { 0 }, 1, "org list" },
	{ "user", "create", cmd_user_create,
	  { O_EMAIL, O_NAME, O_PASSWORD, O_PLATFORM_ADMIN }, 1,
	  "user create --email E [--name N] [--password P] [--platform-admin]" },
	{ "user", "set-password", cmd_user_set_password, { O_EMAIL, O_PASSWORD }, 1,
	  "user set-password --email E [--password P]" },
	{ "user", "disable", cmd_user_disable, { O_EMAIL }, 1, "user disable --email E" },
	{ "user", "enable", cmd_user_enable, { O_EMAIL }, 1, "user enable --email E" },
	{ "member", "add", cmd_member_add, { O_ORG, O_EMAIL, O_ROLE }, 1,
	  "member add --org O --email E --role R" },
	{ "member", "remove", cmd_member_remove, { O_ORG, O_EMAIL }, 1,
	  "member remove --org O --email E" },
	{ "project", "create", cmd_project_create, { O_ORG, O_NAME, O_SLUG }, 1,
	  "project create --org O --name N [--slug S]" },
	{ "project", "list", cmd_project_list, { O_ORG }, 1, "project list --org O" },
	{ "key", "create", cmd_key_create,
	  { O_ORG, O_NAME, O_SCOPES, O_PROJECTS, O_TYPE, O_EXPIRES_IN, O_SYSTEM }, 1,
	  "key create --org O [--name N] [--scopes a,b] [--projects p1,p2] "
	  "[--type user|worker_registration] [--expires-in SECONDS]\n"
	  "  key create --system [--name N]" },
	{ "key", "list", cmd_key_list, { O_ORG }, 1, "key list --org O" },
	{ "key", "revoke", cmd_key_revoke, { O_ID }, 1, "key revoke --id K" },
	{ "token", "create", cmd_token_create, { O_PROJECT, O_NAME, O_EXPIRES_IN }, 1,
	  "token create --project P [--name N] [--expires-in SECONDS]" },
	{ "m2m", "create", cmd_m2m_create, { O_ORG, O_NAME, O_SCOPES }, 1,
	  "m2m create --org O --name N --scopes a,b" },
	{ "m2m", "list", cmd_m2m_list, { O_ORG }, 1, "m2m list --org O" },
	{ "m2m", "delete", cmd_m2m_delete, { O_ID }, 1, "m2m delete --id C" },
	{ "m2m", "rotate-key", cmd_m2m_rotate_key, { 0 }, 1, "m2m rotate-key" },
	{ "scim-token", "create", cmd_scim_token_create, { O_ORG, O_NAME }, 1,
	  "scim-token create --org O [--name N]" },
	{ "credential", "set", cmd_credential_set,
	  { O_ORG, O_PROJECT, O_ENV, O_NAME, O_DESCRIPTION }, 1,
	  "credential set --org O [--project P [--env E]] --name NAME "
	  "[--description D]  (value on stdin)" },
	{ "credential", "delete", cmd_credential_delete,
	  { O_ORG, O_PROJECT, O_ENV, O_NAME }, 1,
	  "credential delete --org O [--project P [--env E]] --name NAME" },
	{ "credential", "list", cmd_credential_list, { O_ORG, O_PROJECT, O_ENV }, 1,
	  "credential list --org O [--project P [--env E]]" },
	{ "session", "enqueue", cmd_session_enqueue,
	  { O_PROJECT, O_ISSUE, O_TITLE, O_PROMPT, O_WORK_TYPE, O_PRIORITY }, 1,
	  "session enqueue --project P --issue IDENT [--title T] [--prompt TEXT] "
	  "[--work-type W] [--priority N]" },
	{ "cleanup", NULL, cmd_cleanup, { 0 }, 1, "cleanup" },
	{ "audit", "verify", cmd_audit_verify, { O_ORG }, 1, "audit verify [--org O]" },
	{ "audit", "rotate-key", cmd_audit_rotate_key, { O_ORG }, 1,
	  "audit rotate-key --org O" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f, const char *noun)
{
	fprintf(f, "usage: rensei-admin [--data DIR] [--config FILE] [--json] "
	    "<noun> <verb> [options]\n       rensei-admin --version | --help\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (noun == NULL || strcmp(noun, commands[i].noun) == 0)
			fprintf(f, "  %s\n", commands[i].usage);
}

static int
allowed(const struct command *c, int opt)
{
	for (int i = 0; i < MAXOPT && c->opts[i] != 0; i++)
		if (c->opts[i] == opt)
			return 1;
	return opt == O_HELP;
}

static int
run(const struct command *c, int argc, char **argv)
{
	char err[512];
	struct args args;
	const struct secret *master;
	int ch, ex;

	memset(&args, 0, sizeof(args));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", all_opts, NULL)) != -1) {
		if (ch == '?' || ch == ':' || !allowed(c, ch)) {
			fail_msg("unknown or misplaced option %s (see "
			    "rensei-admin %s --help)", argv[optind - 1], c->noun);
			return EX_USAGE_;
		}
		if (ch == O_HELP) {
			printf("usage: rensei-admin %s\n", c->usage);
			return EX_OK;
		}
		args.v[ch - O_ADMIN_EMAIL] = optarg;
		args.set[ch - O_ADMIN_EMAIL] = 1;
	}
	if (optind < argc) {
		fail_msg("unexpected argument: %s", argv[optind]);
		return EX_USAGE_;
	}
	if (c->needs_store) {
		if (secrets_load(SECRETS_ALL, err, sizeof(err)) == -1) {
			fail_msg("%s", err);
			return EX_CONFIG;
		}
		master = secret_get(SECRET_AUDIT_MASTER);
		if (master == NULL || audit_init(master->key) == -1) {
			fail_msg("audit master key unusable");
			return EX_CONFIG;
		}
		if (access(db_path, F_OK) == -1) {
			fail_msg("%s: no database; run rensei-admin init", db_path);
			return EX_CONFIG;
		}
		if (store_open(db_path, 0) == -1)
			return EX_CONFIG;
		if (c->fn != cmd_migrate && store_check_schema() == -1) {
			fail_msg("schema too old; run rensei-admin migrate");
			return EX_CONFIG;
		}
	}
	ex = c->fn(&args);
	store_close();
	return ex;
}

int
main(int argc, char **argv)
{
	char err[512];
	int i, ex;

	log_init("admin");
	log_set_level(LOG_WARN);
	if (crypto_init() == -1)
		return EX_CONFIG;
	arena_init(&A);
	/* Global options come before the noun. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			opt_json = 1;
		else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			opt_data = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			opt_config = argv[++i];
		else if (strcmp(argv[i], "--version") == 0) {
			printf("rensei-admin %s\n", PACKAGE_VERSION);
			return EX_OK;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout, NULL);
			return EX_OK;
		} else {
			fail_msg("unknown option %s", argv[i]);
			usage(stderr, NULL);
			return EX_USAGE_;
		}
	}
	if (i >= argc) {
		usage(stderr, NULL);
		return EX_USAGE_;
	}
	if (opt_data != NULL)
		setenv("RENSEI_DATA_DIR", opt_data, 1);
	if (opt_config != NULL)
		setenv("RENSEI_CONFIG", opt_config, 1);
	if (config_load(CONFIG_NO_PUBLIC_URL, err, sizeof(err)) == -1) {
		fail_msg("configuration: %s", err);
		return EX_CONFIG;
	}
	snprintf(db_path, sizeof(db_path), "%s/rensei.db", cfg.data_dir);
	for (size_t c = 0; c < NCOMMANDS; c++) {
		const struct command *cmd = &commands[c];

		if (strcmp(cmd->noun, argv[i]) != 0)
			continue;
		if (cmd->verb == NULL) {
			ex = run(cmd, argc - i, argv + i);
			goto out;
		}
		if (i + 1 < argc && strcmp(argv[i + 1], "--help") == 0) {
			usage(stdout, argv[i]);
			return EX_OK;
		}
		if (i + 1 < argc && strcmp(cmd->verb, argv[i + 1]) == 0) {
			ex = run(cmd, argc - i - 1, argv + i + 1);
			goto out;
		}
	}
	fail_msg("unknown command: %s%s%s", argv[i], i + 1 < argc ? " " : "",
	    i + 1 < argc ? argv[i + 1] : "");
	usage(stderr, NULL);
	return EX_USAGE_;
out:
	arena_free(&A);
	secrets_wipe();
	config_free();
	return ex;
}
