/*
 * stats.c -- GET /api/public/stats, /api/public/stats/v2 and
 * /api/public/machines (03-public.md §3.1-§3.3): aggregates over the
 * whole caller org, whatever the caller's project restriction.
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "public.h"
#include "store.h"

/* The zero-filled payload with the store failure (03 §1: 503 with
 * Retry-After, the route's message). */
static void
stats_fail(struct response *resp, int v2, int64_t now)
{
	struct public_stats zero;
	struct jw w;

	log_error("public stats: %s", store_errmsg());
	memset(&zero, 0, sizeof(zero));
	zero.now = now;
	pub_begin(resp, &w);
	jw_obj_open(&w);
	public_stats_render(&w, &zero);
	if (v2) {
		jw_key(&w, "machines");
		jw_arr_open(&w);
		jw_arr_close(&w);
		jw_key(&w, "providers");
		jw_arr_open(&w);
		jw_arr_close(&w);
	}
	jw_kstr(&w, "error", "Service Unavailable");
	jw_kstr(&w, "message", "Failed to fetch stats");
	jw_obj_close(&w);
	http_set_header(resp, "Retry-After", "1");
	http_json(resp, 503);
}

static void
stats(struct request *req, struct response *resp, int v2)
{
	const char *org = req->principal->org_id;
	struct public_stats st;
	int64_t now = clock_now_ms();
	struct jw w;

	if (store_begin_read() != STORE_OK)
		goto fail;
	if (public_stats(org, now, &st) != DOM_OK)
		goto fail_txn;
	pub_begin(resp, &w);
	jw_obj_open(&w);
	public_stats_render(&w, &st);
	if (v2) {
		jw_key(&w, "machines");
		if (public_machines_render(req->arena, org, now, &w) != DOM_OK)
			goto fail_txn;
		jw_key(&w, "providers");
		if (public_providers_render(req->arena, org, now, &w) != DOM_OK)
			goto fail_txn;
	}
	jw_obj_close(&w);
	store_rollback();
	http_json(resp, 200);
	return;
fail_txn:
	store_rollback();
fail:
	stats_fail(resp, v2, now);
}

void
pub_stats(struct request *req, struct response *resp)
{
	stats(req, resp, 0);
}

void
pub_stats_v2(struct request *req, struct response *resp)
{
	stats(req, resp, 1);
}

void
pub_machines(struct request *req, struct response *resp)
{
	struct jw w;

	pub_begin(resp, &w);
	if (public_machines_render(req->arena, req->principal->org_id,
	    clock_now_ms(), &w) != DOM_OK) {
		pub_store_fail(resp, "Failed to list machines");
		return;
	}
	http_json(resp, 200);
}
