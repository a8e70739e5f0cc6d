/*
 * rensei-health -- GET/HEAD/OPTIONS /api/health (11-discovery-and-health.md §4).
 *
 * The database check uses the process's own connection, opened read-write
 * without CREATE (a missing file is an error, not a new database), and
 * first stat()s the configured path so a file renamed or chmod'ed away is
 * noticed even while the open connection could still read it.  Results
 * are cached for one second per process.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "server.h"
#include "store.h"

#define CHECK_CACHE_MS 1000
#define CHECK_BUSY_MS  1000

static int64_t checked_at;
static int     db_ok;

static int
db_check(void)
{
	const char *path = server_db_path();
	struct stat st;
	uint64_t dev, ino;
	int v;

	if (stat(path, &st) == -1 || access(path, R_OK | W_OK) == -1) {
		log_error("db_check: %s missing or not readable and writable", path);
		goto fail;
	}
	if (store_is_open() && (store_file_id(&dev, &ino) == -1 ||
	    dev != (uint64_t)st.st_dev || ino != (uint64_t)st.st_ino)) {
		log_error("db_check: %s was replaced; reopening", path);
		store_close();
	}
	if (!store_is_open()) {
		store_set_busy_timeout(CHECK_BUSY_MS);
		if (store_open(path, 0) == -1)
			goto fail;
	}
	if (store_begin_read() != STORE_OK)
		goto fail;
	v = store_schema_version();
	store_rollback();
	if (v < STORE_SCHEMA_VERSION) {
		log_error("db_check: schema version %d < %d", v,
		    STORE_SCHEMA_VERSION);
		goto fail;
	}
	return 1;
fail:
	store_close();
	return 0;
}

/* Every response of this route, errors included, carries these (11 §1). */
static void
health_finish(struct request *req, struct response *resp)
{
	(void)req;
	http_set_header(resp, "Access-Control-Allow-Origin", "*");
	http_set_header(resp, "X-Content-Type-Options", "nosniff");
	http_set_header(resp, "Cache-Control", "no-store");
}

static void
health_get(struct request *req, struct response *resp)
{
	char ts[ISO8601_LEN + 1];
	int64_t now = clock_now_ms();
	struct jw w;

	(void)req;
	if (checked_at == 0 || now - checked_at >= CHECK_CACHE_MS) {
		db_ok = db_check();
		checked_at = clock_now_ms();
	}
	iso8601_ms(ts, now);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "status", db_ok ? "ok" : "degraded");
	jw_kstr(&w, "version", PACKAGE_VERSION);
	jw_kstr(&w, "time", ts);
	jw_key(&w, "checks");
	jw_obj_open(&w);
	jw_kstr(&w, "db", db_ok ? "ok" : "error");
	jw_obj_close(&w);
	jw_obj_close(&w);
	http_json(resp, db_ok ? 200 : 503);
}

static void
health_options(struct request *req, struct response *resp)
{
	(void)req;
	http_set_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
	http_set_header(resp, "Access-Control-Allow-Headers", "Content-Type");
	http_set_header(resp, "Access-Control-Max-Age", "86400");
	http_json(resp, 204);
}

static const struct route routes[] = {
	{ "GET",     "/api/health", NULL, health_get,     0 },
	{ "OPTIONS", "/api/health", NULL, health_options, 0 },
};

static const struct responder health = {
	.name = "rensei-health",
	.group = GROUP_HEALTH,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = 0,
	.open_store = 0,
	.finish = health_finish,
};

int
main(int argc, char **argv)
{
	return server_main(&health, argc, argv);
}
