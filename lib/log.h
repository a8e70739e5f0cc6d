/*
 * log.h -- one JSON object per line on stderr (00-overview.md §2).
 *
 * Never pass a token, secret, cookie or request body: 01-auth.md §1.2.
 * Messages start with the function name, as in OpenBSD daemons.
 */
#ifndef RENSEI_LOG_H
#define RENSEI_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Keeps the pointer: group must live as long as the process logs. */
void log_init(const char *group);
void log_set_level(enum log_level min);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The access line of one request; principal may be NULL. */
void log_request(const char *request_id, const char *method, const char *path,
                 int status, int64_t duration_us, const char *principal);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)

#endif
