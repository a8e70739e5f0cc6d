/*
 * route.h -- a responder's route table and its dispatch.
 *
 * A route is data: {method, pattern, auth policy, handler}.  Patterns are
 * literal segments and {name} parameters ("/api/workers/{id}/heartbeat").
 * Matching splits the path (without the query) at '/', percent-decodes each
 * segment once, and compares; a parameter takes the decoded segment, which
 * its handler validates (no id format admits '/' or NUL).
 */
#ifndef RENSEI_ROUTE_H
#define RENSEI_ROUTE_H

#include <stddef.h>

#include "http.h"

struct auth_policy;

typedef void (*route_handler)(struct request *, struct response *);

struct route {
	const char               *method;   /* "GET", "POST", … */
	const char               *pattern;
	const struct auth_policy *auth;     /* NULL: no credential is read */
	route_handler             handler;
	unsigned                  flags;
};

#define ROUTE_NO_HEAD 0x1   /* GET with side effects: HEAD → 405 (00 §3) */

enum route_result { ROUTE_MATCH, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Finds the route for req (HEAD matches GET unless ROUTE_NO_HEAD).  On
 * ROUTE_MATCH fills req->params; on ROUTE_BAD_METHOD writes the Allow
 * value ("GET, HEAD") into allow. */
enum route_result route_match(const struct route *tbl, size_t n,
                              struct request *req, const struct route **out,
                              char *allow, size_t allowlen);

/* Match, answer 404/405 (with Allow) in the plain envelope, resolve the
 * credential per the route's policy, then call the handler. */
void route_dispatch(const struct route *tbl, size_t n, struct request *req,
                    struct response *resp);

#endif
