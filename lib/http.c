/* http.c -- request parsing and responses over libfcgi. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "crypto.h"
#include "clock.h"
#include "http.h"
#include "json.h"

static const struct {
	int         status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 413, "Payload Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Entity" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 501, "Not Implemented" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
};

const char *
http_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	if (envp == NULL)
		return NULL;
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

void
http_request_init(struct request *req, struct arena *a, void *fcgi, char **envp)
{
	const char *uri, *q, *rid;
	uint8_t rnd[16];

	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->fcgi = fcgi;
	req->envp = envp;
	req->body_cap = HTTP_BODY_CAP;
	req->method = env_get(envp, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = "GET";
	uri = env_get(envp, "REQUEST_URI");
	if (uri == NULL)
		uri = env_get(envp, "DOCUMENT_URI");
	if (uri == NULL)
		uri = "/";
	req->uri = uri;
	q = strchr(uri, '?');
	req->path = q ? arena_strndup(a, uri, (size_t)(q - uri)) : uri;
	req->query = env_get(envp, "QUERY_STRING");
	if (req->query == NULL)
		req->query = q ? q + 1 : "";
	req->remote_addr = env_get(envp, "REMOTE_ADDR");
	req->is_head = strcmp(req->method, "HEAD") == 0;
	/* nginx passes its $request_id (32 hex), which its access log also
	 * carries; only a request from elsewhere costs a random draw. */
	rid = env_get(envp, "REQUEST_ID");
	if (rid != NULL && strlen(rid) == 32 && is_lower_hex(rid, 32))
		memcpy(req->request_id, rid, 33);
	else {
		random_bytes(rnd, sizeof(rnd));
		hex_encode(req->request_id, rnd, sizeof(rnd));
	}
}

const char *
http_header(const struct request *req, const char *name)
{
	char key[256];
	size_t i, j = 5;

	if (strcasecmp(name, "Content-Type") == 0)
		return env_get(req->envp, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return env_get(req->envp, "CONTENT_LENGTH");
	memcpy(key, "HTTP_", 5);
	for (i = 0; name[i] != '\0' && j + 1 < sizeof(key); i++, j++)
		key[j] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	key[j] = '\0';
	return env_get(req->envp, key);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
http_pct_decode(struct arena *a, const char *s, size_t n, int plus_space,
    size_t *outlen)
{
	char *out = arena_alloc(a, n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			if (hi == 0 && lo == 0)
				return NULL;
			out[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus_space && s[i] == '+')
			out[j++] = ' ';
		else
			out[j++] = s[i];
	}
	out[j] = '\0';
	if (outlen != NULL)
		*outlen = j;
	return out;
}

enum http_query_rc
http_query(struct request *req, const char *name, const char **val,
    size_t *len)
{
	const char *p = req->query, *found = NULL;
	size_t nlen = strlen(name), flen = 0;
	int count = 0;
	char *v;

	*val = NULL;
	if (len != NULL)
		*len = 0;
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', plen);
		size_t klen = eq ? (size_t)(eq - p) : plen;
		size_t dlen;
		char *key = http_pct_decode(req->arena, p, klen, 1, &dlen);

		if (key != NULL && dlen == nlen && memcmp(key, name, nlen) == 0) {
			if (count++ == 0) {
				found = eq ? eq + 1 : p + plen;
				flen = eq ? plen - klen - 1 : 0;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	if (count == 0)
		return HTTP_QUERY_ABSENT;
	if ((v = http_pct_decode(req->arena, found, flen, 1, len)) == NULL)
		return HTTP_QUERY_MALFORMED;
	*val = v;
	return count > 1 ? HTTP_QUERY_DUPLICATE : HTTP_QUERY_PRESENT;
}

const char *
http_cookie(struct request *req, const char *name)
{
	const char *c = http_header(req, "Cookie");
	size_t nlen = strlen(name);

	while (c != NULL && *c != '\0') {
		const char *end;

		while (*c == ' ' || *c == ';')
			c++;
		end = strchr(c, ';');
		if (end == NULL)
			end = c + strlen(c);
		if ((size_t)(end - c) > nlen && strncmp(c, name, nlen) == 0 &&
		    c[nlen] == '=') {
			const char *v = c + nlen + 1;
			size_t vlen = (size_t)(end - v);

			while (vlen > 0 && v[vlen - 1] == ' ')
				vlen--;
			return arena_strndup(req->arena, v, vlen);
		}
		c = end;
	}
	return NULL;
}

const char *
http_param(const struct request *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->params[i];
	return NULL;
}

/* Reads at most body_cap + 1 bytes: one byte past the cap is enough to
 * know the body is too large, and a lying Content-Length cannot make the
 * responder allocate more. */
enum http_body_rc
http_read_body(struct request *req)
{
	FCGX_Request *fr = req->fcgi;
	const char *cl;
	char *p;
	size_t cap = req->body_cap, len = 0, want;

	if (req->body != NULL)
		return req->body_len > cap ? HTTP_BODY_TOO_LARGE : HTTP_BODY_OK;
	cl = http_header(req, "Content-Length");
	if (cl != NULL && *cl != '\0') {
		char *end;
		unsigned long long v = strtoull(cl, &end, 10);

		if (*end == '\0' && v > cap) {
			req->body = "";
			req->body_len = cap + 1;
			return HTTP_BODY_TOO_LARGE;
		}
		want = *end == '\0' ? (size_t)v : cap + 1;
	} else
		want = cap + 1;
	if (want > cap + 1)
		want = cap + 1;
	p = arena_alloc(req->arena, want + 1);
	while (fr != NULL && len < want) {
		int n = FCGX_GetStr(p + len, (int)(want - len), fr->in);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	p[len] = '\0';
	req->body = p;
	req->body_len = len;
	if (len > cap)
		return HTTP_BODY_TOO_LARGE;
	return HTTP_BODY_OK;
}

struct json_object *
http_read_json(struct request *req, struct response *resp)
{
	enum http_body_rc brc;
	struct json_object *root = NULL;

	if (req->json != NULL)
		return req->json;
	if ((brc = http_read_body(req)) == HTTP_BODY_TOO_LARGE) {
		http_error(resp, 413, "Request body too large");
		return NULL;
	}
	if (brc != HTTP_BODY_OK) {
		http_error(resp, 400, "Invalid JSON body");
		return NULL;
	}
	if (req->body_len == 0)
		root = json_object_new_object();
	else if (json_parse_strict(req->body, req->body_len, JSON_MAX_DEPTH,
	    &root) != JSON_OK || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		http_error(resp, 400, "Invalid JSON body");
		return NULL;
	}
	req->json = root;
	return root;
}

void
http_store_unavailable(struct response *resp, const char *message)
{
	http_set_header(resp, "Retry-After", "1");
	http_error(resp, 503, message);
}

void
http_no_store(struct response *resp)
{
	http_set_header(resp, "Cache-Control", "no-store");
	http_set_header(resp, "Pragma", "no-cache");
	resp->no_log_body = 1;
}

void
http_response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->headers);
	buf_init(&resp->body);
	resp->status = 200;
}

void
http_response_reset(struct response *resp)
{
	if (resp->no_log_body)
		buf_wipe(&resp->body);
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
	resp->status = 200;
	resp->streaming = 0;
	resp->no_log_body = 0;
	resp->content_type = NULL;
}

void
http_response_free(struct response *resp)
{
	buf_free(&resp->headers);
	buf_free(&resp->body);
}

void
http_set_header(struct response *resp, const char *name, const char *value)
{
	buf_puts(&resp->headers, name);
	buf_append(&resp->headers, ": ", 2);
	buf_puts(&resp->headers, value);
	buf_append(&resp->headers, "\r\n", 2);
}

void
http_json(struct response *resp, int status)
{
	resp->status = status;
}

void
http_error_code(struct response *resp, int status, const char *message,
    const char *code)
{
	struct jw w;

	buf_reset(&resp->body);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "error", http_reason(status));
	jw_kstr(&w, "message", message);
	if (code != NULL)
		jw_kstr(&w, "code", code);
	jw_obj_close(&w);
	resp->status = status;
}

void
http_error(struct response *resp, int status, const char *message)
{
	http_error_code(resp, status, message, NULL);
}

void
http_error_oauth(struct response *resp, int status, const char *error,
    const char *description)
{
	struct jw w;

	buf_reset(&resp->body);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "error", error);
	if (description != NULL)
		jw_kstr(&w, "error_description", description);
	jw_obj_close(&w);
	resp->status = status;
}

void
http_error_scim(struct response *resp, int status, const char *scim_type,
    const char *detail)
{
	char code[16];
	struct jw w;

	snprintf(code, sizeof(code), "%d", status);
	buf_reset(&resp->body);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "schemas");
	jw_arr_open(&w);
	jw_str(&w, "urn:ietf:params:scim:api:messages:2.0:Error");
	jw_arr_close(&w);
	jw_kstr(&w, "status", code);
	if (scim_type != NULL)
		jw_kstr(&w, "scimType", scim_type);
	jw_kstr(&w, "detail", detail);
	jw_obj_close(&w);
	resp->status = status;
	resp->content_type = "application/scim+json";
}

void
http_error_jsonrpc(struct response *resp, const char *id_json, int code,
    const char *message)
{
	struct jw w;

	buf_reset(&resp->body);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "jsonrpc", "2.0");
	jw_key(&w, "id");
	jw_raw(&w, id_json ? id_json : "null", strlen(id_json ? id_json : "null"));
	jw_key(&w, "error");
	jw_obj_open(&w);
	jw_kint(&w, "code", code);
	jw_kstr(&w, "message", message);
	jw_obj_close(&w);
	jw_obj_close(&w);
	resp->status = 200;
}

static int
put_head(struct request *req, struct response *resp, const char *ctype,
    int with_length)
{
	FCGX_Request *fr = req->fcgi;
	struct buf h;
	int rc;

	buf_init(&h);
	buf_printf(&h, "Status: %d %s\r\n", resp->status, http_reason(resp->status));
	if (ctype != NULL)
		buf_printf(&h, "Content-Type: %s\r\n", ctype);
	if (with_length)
		buf_printf(&h, "Content-Length: %zu\r\n", resp->body.len);
	buf_append(&h, resp->headers.data ? resp->headers.data : "",
	    resp->headers.len);
	buf_append(&h, "\r\n", 2);
	rc = FCGX_PutStr(h.data, (int)h.len, fr->out) == (int)h.len ? 0 : -1;
	buf_free(&h);
	return rc;
}

/* 204 and 304 carry no body and no Content-Type (RFC 9110 §15.3.5). */
int
http_send(struct request *req, struct response *resp)
{
	FCGX_Request *fr = req->fcgi;
	int bodyless = resp->status == 204 || resp->status == 304;

	if (resp->streaming || fr == NULL)
		return 0;
	if (bodyless)
		buf_reset(&resp->body);
	if (put_head(req, resp, bodyless ? NULL : resp->content_type ?
	    resp->content_type : "application/json", 1) == -1)
		return -1;
	if (!req->is_head && resp->body.len > 0 &&
	    FCGX_PutStr(resp->body.data, (int)resp->body.len, fr->out) !=
	    (int)resp->body.len)
		return -1;
	return 0;
}

int
http_sse_begin(struct request *req, struct response *resp)
{
	FCGX_Request *fr = req->fcgi;

	resp->status = 200;
	if (put_head(req, resp, "text/event-stream", 0) == -1)
		return -1;
	resp->streaming = 1;
	return FCGX_FFlush(fr->out);
}

int
http_sse_event(struct request *req, const char *event, const char *id,
    const char *data, size_t datalen)
{
	FCGX_Request *fr = req->fcgi;

	if (event != NULL && FCGX_FPrintF(fr->out, "event: %s\n", event) < 0)
		return -1;
	if (id != NULL && FCGX_FPrintF(fr->out, "id: %s\n", id) < 0)
		return -1;
	if (FCGX_PutS("data: ", fr->out) < 0 ||
	    FCGX_PutStr(data, (int)datalen, fr->out) != (int)datalen ||
	    FCGX_PutS("\n\n", fr->out) < 0)
		return -1;
	return FCGX_FFlush(fr->out);
}

int
http_sse_comment(struct request *req, const char *text)
{
	FCGX_Request *fr = req->fcgi;

	if (FCGX_FPrintF(fr->out, ": %s\n\n", text) < 0)
		return -1;
	return FCGX_FFlush(fr->out);
}
