/* route.c -- route tables, path parameters, 404/405. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "route.h"

#define MAX_SEGMENTS 16

/* Splits path into decoded segments.  Returns the count, or -1 when the
 * path is malformed (bad escape, too many segments). */
static int
split_path(struct request *req, const char **seg, int max)
{
	const char *p = req->path;
	int n = 0;

	if (*p != '/')
		return -1;
	p++;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (n == max)
			return -1;
		seg[n] = http_pct_decode(req->arena, p, len, 0, NULL);
		if (seg[n] == NULL)
			return -1;
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return n;
}

/* Matches pattern against the decoded segments; fills params. */
static int
match_pattern(const char *pattern, const char **seg, int nseg,
    struct request *req)
{
	const char *p = pattern + 1;
	int i = 0, np = 0;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (i >= nseg)
			return 0;
		if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
			if (seg[i][0] == '\0' || np == HTTP_MAX_PARAMS)
				return 0;
			req->param_names[np] = arena_strndup(req->arena, p + 1,
			    len - 2);
			req->params[np++] = seg[i];
		} else if (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0)
			return 0;
		i++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (i != nseg)
		return 0;
	req->nparams = np;
	return 1;
}

/* Appends method m to the Allow list unless it is already there. */
static void
allow_add(char *allow, size_t len, const char *m)
{
	size_t ml = strlen(m), used = strlen(allow);

	for (const char *p = allow; (p = strstr(p, m)) != NULL; p++)
		if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
			return;
	snprintf(allow + used, len - used, "%s%s", used ? ", " : "", m);
}

enum route_result
route_match(const struct route *tbl, size_t n, struct request *req,
    const struct route **out, char *allow, size_t allowlen)
{
	const char *seg[MAX_SEGMENTS];
	int nseg, path_known = 0;
	const char *method = req->method;

	*out = NULL;
	if (allowlen > 0)
		allow[0] = '\0';
	if ((nseg = split_path(req, seg, MAX_SEGMENTS)) == -1)
		return ROUTE_NOT_FOUND;
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &tbl[i];

		if (!match_pattern(r->pattern, seg, nseg, req))
			continue;
		path_known = 1;
		allow_add(allow, allowlen, r->method);
		if (strcmp(r->method, "GET") == 0 && !(r->flags & ROUTE_NO_HEAD))
			allow_add(allow, allowlen, "HEAD");
		if (*out != NULL)
			continue;
		if (strcmp(r->method, method) == 0 ||
		    (req->is_head && strcmp(r->method, "GET") == 0 &&
		    !(r->flags & ROUTE_NO_HEAD)))
			*out = r;
	}
	if (*out != NULL) {
		/* Re-match to leave the chosen route's params in req. */
		match_pattern((*out)->pattern, seg, nseg, req);
		return ROUTE_MATCH;
	}
	return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

void
route_dispatch(const struct route *tbl, size_t n, struct request *req,
    struct response *resp)
{
	const struct route *r;
	char allow[128];

	switch (route_match(tbl, n, req, &r, allow, sizeof(allow))) {
	case ROUTE_NOT_FOUND:
		http_error(resp, 404, "Not found");
		return;
	case ROUTE_BAD_METHOD:
		http_set_header(resp, "Allow", allow);
		http_error(resp, 405, "Method not allowed");
		return;
	case ROUTE_MATCH:
		break;
	}
	if (r->auth != NULL && !auth_resolve(req, resp, r->auth))
		return;
	r->handler(req, resp);
}
