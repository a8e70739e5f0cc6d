/* log.c -- JSON-lines logging on stderr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "json.h"
#include "log.h"

static const char *log_group = "rensei";
static enum log_level log_min = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *group)
{
	log_group = group;
}

void
log_set_level(enum log_level min)
{
	log_min = min;
}

/* Writes the line with one write(2) so lines of concurrent processes
 * sharing the log file never interleave. */
static void
log_emit(struct buf *b)
{
	ssize_t n;

	buf_putc(b, '\n');
	n = write(STDERR_FILENO, b->data, b->len);
	(void)n;
	buf_free(b);
}

static void
log_head(struct jw *w, const char *level)
{
	char ts[ISO8601_LEN + 1];

	iso8601_ms(ts, clock_now_ms());
	jw_obj_open(w);
	jw_kstr(w, "time", ts);
	jw_kstr(w, "level", level);
	jw_kstr(w, "group", log_group);
	jw_kint(w, "pid", (int64_t)getpid());
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[2048];
	struct buf b;
	struct jw w;
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&b);
	jw_init(&w, &b);
	log_head(&w, level_names[lvl]);
	jw_kstr(&w, "msg", msg);
	jw_obj_close(&w);
	log_emit(&b);
}

void
log_request(const char *request_id, const char *method, const char *path,
    int status, int64_t duration_us, const char *principal)
{
	struct buf b;
	struct jw w;

	if (LOG_INFO < log_min)
		return;
	buf_init(&b);
	jw_init(&w, &b);
	log_head(&w, "info");
	jw_kstr(&w, "requestId", request_id);
	jw_kstr(&w, "method", method);
	jw_kstr(&w, "path", path);
	jw_kint(&w, "status", status);
	jw_kint(&w, "durationUs", duration_us);
	if (principal != NULL)
		jw_kstr(&w, "principal", principal);
	jw_obj_close(&w);
	log_emit(&b);
}
