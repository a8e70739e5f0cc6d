/*
 * extern.h -- the handlers of rensei-public (03-public.md) and the
 * helpers they share, grouped by the file that implements them.  main.c
 * holds the route table.
 */
#ifndef RENSEI_PUBLIC_EXTERN_H
#define RENSEI_PUBLIC_EXTERN_H

#include "auth.h"
#include "http.h"
#include "json.h"
#include "session.h"

/* main.c: the policies of the per-session routes (checked in the
 * handlers, after the path id and the session hash, 03 §2.1, §1). */
extern const struct auth_policy pub_p_read, pub_p_write;
extern const struct auth_policy *pub_p_query_activities;

/* common.c */
/* Resolves the caller of a per-session route and loads its session
 * (outside any transaction): path id format (400), a supplied session hash
 * used exclusively when allow_hash (U8), else pol; visibility (404) and
 * role (F3).  1 with *s loaded, 0 with the answer written. */
int  pub_session_auth(struct request *req, struct response *resp,
                      const struct auth_policy *pol, enum role need,
                      int allow_hash, struct session *s);
/* 1 when the caller authenticated with the session hash. */
int  pub_by_hash(const struct request *req);
/* Starts a JSON body in resp. */
void pub_begin(struct response *resp, struct jw *w);
/* Store failure of a route without a zero-filled payload (503). */
void pub_store_fail(struct response *resp, const char *msg);
/* Query parameter helpers: HTTP_QUERY_* of http_query; a duplicate is
 * its first value. */
int  pub_query(struct request *req, const char *name, const char **v,
               size_t *len);
/* 400 with "Invalid 'limit' parameter: …" / "Invalid cursor" when the
 * limit / cursor parameters are bad.  1 ok, 0 answered. */
int  pub_page_params(struct request *req, struct response *resp,
                     int64_t max, int64_t def, int64_t *limit,
                     int *has_cursor, int64_t *sort_key, const char **raw_id);

/* stats.c: stats, stats/v2, machines */
void pub_stats(struct request *, struct response *);
void pub_stats_v2(struct request *, struct response *);
void pub_machines(struct request *, struct response *);

/* sessions.c: the list and the detail */
void pub_sessions_list(struct request *, struct response *);
void pub_session_get(struct request *, struct response *);

/* activities.c: both activity forms and reconnect */
void pub_activities(struct request *, struct response *);
void pub_session_activities(struct request *, struct response *);
void pub_reconnect(struct request *, struct response *);

/* control.c: prompt and stop */
void pub_prompt(struct request *, struct response *);
void pub_stop(struct request *, struct response *);

/* metrics.c: routing-metrics, phase-metrics */
void pub_routing_metrics(struct request *, struct response *);
void pub_phase_metrics(struct request *, struct response *);

#endif
