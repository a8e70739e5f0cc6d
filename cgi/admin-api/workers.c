/*
 * workers.c -- GET /api/admin/workers (04-console.md §6): the live
 * workers of every org (or of one, ?orgId=), WorkerInfo values with ISO
 * times, ordered by registeredAt then id, cursor-paged.  Gone workers
 * (past WORKER_TTL) are absent; status offline is computed from the
 * heartbeat as 02-worker-protocol.md §4 says.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "json.h"
#include "page.h"
#include "store.h"
#include "tenancy.h"
#include "worker.h"

#define LIST_MAX 100

struct fleet {
	struct arena  *a;
	struct worker *items;
	size_t         n, cap;
	const char    *status;     /* filter, NULL = all */
	int64_t        now;
};

static int
fleet_one(const struct worker *w, void *arg)
{
	struct fleet *c = arg;

	if (c->status != NULL &&
	    strcmp(worker_status_shown(w, c->now), c->status) != 0)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct worker *ni = arena_alloc(c->a, cap * sizeof(*ni));

		if (c->n)
			memcpy(ni, c->items, c->n * sizeof(*ni));
		c->items = ni;
		c->cap = cap;
	}
	c->items[c->n++] = *w;
	return 0;
}

static int
worker_cmp(const void *x, const void *y)
{
	const struct worker *a = x, *b = y;

	if (a->registered_at != b->registered_at)
		return a->registered_at < b->registered_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

void
fleet_workers_list(struct request *req, struct response *resp)
{
	static const char *const statuses[] = { "active", "draining", "offline" };
	struct page pg;
	struct fleet f;
	const char **org_ids = NULL;
	size_t norgs = 0;
	struct principal p;
	const char *org = NULL, *status = NULL;
	size_t len, shown = 0, last = 0;
	enum http_query_rc q;
	char iso[ISO8601_LEN + 1];
	struct jw w;
	int more = 0;

	if (!page_parse(req, resp, &pg, PAGE_DEFAULT_LIMIT, LIST_MAX))
		return;
	q = http_query(req, "status", &status, &len);
	if (q != HTTP_QUERY_ABSENT) {
		int ok = 0;

		for (size_t i = 0; q == HTTP_QUERY_PRESENT && i < 3; i++)
			if (strcmp(status, statuses[i]) == 0 &&
			    len == strlen(statuses[i]))
				ok = 1;
		if (!ok) {
			http_error(resp, 400,
			    "status must be one of: active, draining, offline");
			return;
		}
	}
	q = http_query(req, "orgId", &org, &len);
	if (q == HTTP_QUERY_MALFORMED)
		org = "";
	memset(&f, 0, sizeof(f));
	f.a = req->arena;
	f.status = status;
	f.now = clock_now_ms();
	if (store_begin_read() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	if (org != NULL) {
		org_ids = &org;
		norgs = 1;
	} else if (admin_all_orgs(req->arena, &org_ids, &norgs) != DOM_OK)
		goto fail;
	memset(&p, 0, sizeof(p));
	p.type = PT_SYSTEM;
	for (size_t i = 0; i < norgs; i++) {
		p.org_id = org_ids[i];
		if (worker_list(req->arena, &p, f.now, fleet_one, &f) != DOM_OK)
			goto fail;
	}
	if (f.n > 1)
		qsort(f.items, f.n, sizeof(*f.items), worker_cmp);

	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < f.n; i++) {
		const struct worker *wk = &f.items[i];
		const char **active = NULL;
		size_t nactive = 0;

		if (!page_after(&pg, wk->registered_at, wk->id))
			continue;
		if ((int64_t)shown == pg.limit) {
			more = 1;
			break;
		}
		if (worker_active_sessions(req->arena, wk->id, &active,
		    &nactive) != DOM_OK)
			goto fail;
		jw_obj_open(&w);
		jw_kstr(&w, "id", wk->id);
		jw_kstr(&w, "orgId", wk->org_id);
		jw_kstr(&w, "hostname", wk->hostname);
		if (wk->version != NULL)
			jw_kstr(&w, "version", wk->version);
		jw_kint(&w, "capacity", wk->capacity);
		jw_key(&w, "activeSessions");
		jw_arr_open(&w);
		for (size_t k = 0; k < nactive; k++)
			jw_str(&w, active[k]);
		jw_arr_close(&w);
		jw_kstr(&w, "status", worker_status_shown(wk, f.now));
		iso8601_ms(iso, wk->registered_at);
		jw_kstr(&w, "registeredAt", iso);
		iso8601_ms(iso, wk->last_heartbeat);
		jw_kstr(&w, "lastHeartbeat", iso);
		jw_obj_close(&w);
		shown++;
		last = i;
	}
	store_rollback();
	jw_arr_close(&w);
	if (more)
		jw_kstr(&w, "nextCursor", page_cursor(req->arena,
		    f.items[last].registered_at, f.items[last].id));
	else
		jw_knull(&w, "nextCursor");
	jw_obj_close(&w);
	http_json(resp, 200);
	return;
fail:
	store_rollback();
	admin_store_fail(resp);
}
