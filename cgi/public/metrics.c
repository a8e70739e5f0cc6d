/*
 * metrics.c -- GET /api/public/routing-metrics (03-public.md §3.11) and
 * GET /api/public/phase-metrics (§3.12): descriptive statistics over the
 * caller org's stored session outcomes.
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "public.h"
#include "settings.h"
#include "store.h"

#define DAY_MS INT64_C(86400000)

static int
time_param(struct request *req, struct response *resp, const char *name,
    const char *msg, int64_t *out, int *has)
{
	const char *v;
	size_t len;
	int rc = pub_query(req, name, &v, &len);

	*has = 0;
	if (rc == HTTP_QUERY_ABSENT)
		return 1;
	if (rc == HTTP_QUERY_MALFORMED || memchr(v, '\0', len) != NULL ||
	    public_parse_time(v, len, out) == -1) {
		http_error(resp, 400, msg);
		return 0;
	}
	*has = 1;
	return 1;
}

static void
zero_fail(struct response *resp, int routing, const char *time_range)
{
	char ts[ISO8601_LEN + 1];
	struct jw w;

	log_error("public metrics: %s", store_errmsg());
	iso8601_ms(ts, clock_now_ms());
	pub_begin(resp, &w);
	jw_obj_open(&w);
	if (routing) {
		public_routing_zero(&w, cfg.routing_exploration_rate);
	} else {
		jw_kstr(&w, "timeRange", time_range);
		public_phase_zero(&w);
	}
	jw_kstr(&w, "timestamp", ts);
	jw_kstr(&w, "error", "Service Unavailable");
	jw_kstr(&w, "message", routing ? "Failed to fetch routing metrics" :
	    "Failed to fetch phase metrics");
	jw_obj_close(&w);
	http_set_header(resp, "Retry-After", "1");
	http_json(resp, 503);
}

void
pub_routing_metrics(struct request *req, struct response *resp)
{
	char ts[ISO8601_LEN + 1];
	struct routing_q q;
	int64_t now = clock_now_ms();
	int hf, ht;
	struct jw w;

	memset(&q, 0, sizeof(q));
	q.org_id = req->principal->org_id;
	if (!time_param(req, resp, "from",
	    "Invalid 'from' parameter: expected an ISO-8601 timestamp",
	    &q.from, &hf) ||
	    !time_param(req, resp, "to",
	    "Invalid 'to' parameter: expected an ISO-8601 timestamp",
	    &q.to, &ht))
		return;
	if (!ht)
		q.to = now;
	if (!hf)
		q.from = q.to - 30 * DAY_MS;
	if (q.from >= q.to) {
		http_error(resp, 400, "'from' must be earlier than 'to'");
		return;
	}
	if (!pub_page_params(req, resp, 200, 50, &q.limit, &q.has_cursor,
	    &q.cursor_at, &q.cursor_id))
		return;
	pub_begin(resp, &w);
	jw_obj_open(&w);
	if (store_begin_read() != STORE_OK) {
		zero_fail(resp, 1, NULL);
		return;
	}
	if (public_routing_render(req->arena, &q, cfg.routing_exploration_rate,
	    &w) != DOM_OK) {
		store_rollback();
		zero_fail(resp, 1, NULL);
		return;
	}
	store_rollback();
	iso8601_ms(ts, now);
	jw_kstr(&w, "timestamp", ts);
	jw_obj_close(&w);
	http_json(resp, 200);
}

void
pub_phase_metrics(struct request *req, struct response *resp)
{
	static const struct { const char *name; int64_t days; } ranges[] = {
		{ "7d", 7 }, { "30d", 30 }, { "90d", 90 }
	};
	char ts[ISO8601_LEN + 1];
	const char *v, *range = "30d";
	int64_t now = clock_now_ms(), days = 30;
	size_t len;
	struct jw w;

	if (pub_query(req, "timeRange", &v, &len) == HTTP_QUERY_PRESENT)
		for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
			if (len == strlen(ranges[i].name) &&
			    memcmp(v, ranges[i].name, len) == 0) {
				range = ranges[i].name;
				days = ranges[i].days;
			}
	pub_begin(resp, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "timeRange", range);
	if (public_phase_render(req->arena, req->principal->org_id,
	    now - days * DAY_MS, &w) != DOM_OK) {
		zero_fail(resp, 0, range);
		return;
	}
	iso8601_ms(ts, now);
	jw_kstr(&w, "timestamp", ts);
	jw_obj_close(&w);
	http_json(resp, 200);
}
