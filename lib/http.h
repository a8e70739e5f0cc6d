/*
 * http.h -- one HTTP request and its response over libfcgi.
 *
 * A request's strings live in its arena (reset after the response is
 * sent).  Responses are buffered whole and sent with Content-Length, except
 * SSE streams, which send their headers at once and flush per event.
 */
#ifndef RENSEI_HTTP_H
#define RENSEI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

#define HTTP_BODY_CAP     (1024 * 1024)        /* 00-overview.md §3 */
#define HTTP_MAX_PARAMS   8

struct principal;

struct request {
	struct arena  *arena;
	void          *fcgi;          /* FCGX_Request * */
	char         **envp;          /* FastCGI params */
	const char    *method;
	const char    *uri;           /* REQUEST_URI as sent */
	const char    *path;          /* raw path, without the query */
	const char    *query;         /* QUERY_STRING ("" when none) */
	const char    *remote_addr;
	char           request_id[33]; /* nginx's $request_id, else random */
	int            is_head;       /* HEAD answered as GET without body */
	size_t         body_cap;
	const char    *body;          /* NUL-terminated; NULL until read */
	size_t         body_len;
	const char    *params[HTTP_MAX_PARAMS];    /* decoded path parameters */
	const char    *param_names[HTTP_MAX_PARAMS];
	int            nparams;
	struct principal *principal;  /* set by route dispatch after auth */
	struct json_object *json;     /* body parsed by http_read_json; freed
	                                 after the response by server.c */
	int64_t        started_us;
};

struct response {
	int         status;
	struct buf  headers;          /* "Name: value\r\n" lines */
	struct buf  body;
	int         streaming;        /* headers already sent (SSE) */
	int         no_log_body;      /* body carries a secret */
	const char *content_type;     /* NULL = application/json */
};

enum http_body_rc { HTTP_BODY_OK = 0, HTTP_BODY_TOO_LARGE, HTTP_BODY_IO };

const char *http_reason(int status);

/* Header value by its HTTP name ("Authorization"); NULL when absent. */
const char *http_header(const struct request *req, const char *name);
enum http_query_rc {
	HTTP_QUERY_ABSENT = 0,
	HTTP_QUERY_PRESENT,
	HTTP_QUERY_DUPLICATE,   /* given twice: *val is the first */
	HTTP_QUERY_MALFORMED    /* bad %-escape or an embedded NUL (%00) */
};
/* A query parameter, percent-decoded ('+' is a space). */
enum http_query_rc http_query(struct request *req, const char *name,
                              const char **val, size_t *len);
/* Value of one cookie from the Cookie header; NULL when absent. */
const char *http_cookie(struct request *req, const char *name);
/* Reads the body up to req->body_cap (once; later calls return the same
 * result).  An empty body reads as "" with length 0. */
enum http_body_rc http_read_body(struct request *req);
/* Reads and parses a JSON object body (00-overview.md §3, 02 §2): over the
 * cap → 413 "Request body too large"; an empty body is {}; invalid JSON or
 * UTF-8, a duplicate member, U+0000, depth > 32 or a non-object → 400
 * "Invalid JSON body".  Returns the object (owned by the request) or NULL
 * after answering. */
struct json_object *http_read_json(struct request *req, struct response *resp);
/* 503 with Retry-After: 1 (store busy or failed; 00-overview.md §3). */
void http_store_unavailable(struct response *resp, const char *message);
/* Cache-Control: no-store + Pragma: no-cache for a response carrying a
 * credential (01-auth.md §1.2); its body is wiped after sending. */
void http_no_store(struct response *resp);

/* Named path parameter ({id} in the route pattern). */
const char *http_param(const struct request *req, const char *name);

void http_response_init(struct response *resp);
void http_response_reset(struct response *resp);
void http_response_free(struct response *resp);
void http_set_header(struct response *resp, const char *name, const char *value);
/* A JSON body: the caller wrote resp->body; this sets status and type. */
void http_json(struct response *resp, int status);
/* The error envelope of 00-overview.md §3:
 * {"error":"<reason phrase>","message":"<message>"}. */
void http_error(struct response *resp, int status, const char *message);
/* Same with a machine code member. */
void http_error_code(struct response *resp, int status, const char *message,
                     const char *code);
/* The protocol envelopes (00-overview.md §3): OAuth (RFC 6749 §5.2,
 * {"error","error_description"}), SCIM (10-scim.md §4; scim_type may be
 * NULL; Content-Type application/scim+json) and JSON-RPC 2.0 (HTTP 200;
 * id_json is the request id as JSON text, "null" when unknown). */
void http_error_oauth(struct response *resp, int status, const char *error,
                      const char *description);
void http_error_scim(struct response *resp, int status, const char *scim_type,
                     const char *detail);
void http_error_jsonrpc(struct response *resp, const char *id_json, int code,
                        const char *message);

/* Writes the response to the client (HEAD: without the body). */
int  http_send(struct request *req, struct response *resp);

/* Server-sent events: headers out and flushed now; then events. */
int  http_sse_begin(struct request *req, struct response *resp);
int  http_sse_event(struct request *req, const char *event, const char *id,
                    const char *data, size_t datalen);
int  http_sse_comment(struct request *req, const char *text);

/* Fills req from the FastCGI params (used by server.c and tests). */
void http_request_init(struct request *req, struct arena *a, void *fcgi,
                       char **envp);
/* Percent-decodes s[0..n) into a new arena string; NULL on a bad escape
 * or a decoded NUL byte.  plus_space: '+' decodes to ' ' (query strings). */
char *http_pct_decode(struct arena *a, const char *s, size_t n, int plus_space,
                      size_t *outlen);

#endif
