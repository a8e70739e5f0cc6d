/*
 * extern.h -- the handlers of rensei-workers (02-worker-protocol.md),
 * grouped by the file that implements them.  main.c holds the route table.
 */
#ifndef RENSEI_WORKERS_EXTERN_H
#define RENSEI_WORKERS_EXTERN_H

#include "http.h"

/* workers.c: /api/workers (register, heartbeat, refresh-token, list, get,
 * delete) */
void workers_register(struct request *, struct response *);
void workers_heartbeat(struct request *, struct response *);
void workers_refresh_token(struct request *, struct response *);
void workers_list(struct request *, struct response *);
void workers_get(struct request *, struct response *);
void workers_delete(struct request *, struct response *);

/* poll.c: GET /api/workers/{id}/poll, and the cleanup it triggers */
void workers_poll(struct request *, struct response *);
/* Runs after the response is finished (server.c's after hook). */
void workers_after_request(void);

/* sessions.c: /api/sessions list/get/status, claim, status report,
 * lock-refresh, prompts (410), inbox/ack, transfer-ownership, nack */
void sessions_list(struct request *, struct response *);
void sessions_get(struct request *, struct response *);
void sessions_get_status(struct request *, struct response *);
void sessions_claim(struct request *, struct response *);
void sessions_post_status(struct request *, struct response *);
void sessions_lock_refresh(struct request *, struct response *);
void sessions_prompts_get(struct request *, struct response *);
void sessions_prompts_post(struct request *, struct response *);
void sessions_inbox_ack(struct request *, struct response *);
void sessions_transfer(struct request *, struct response *);
void sessions_nack(struct request *, struct response *);

/* reports.c: activity, progress, completion, external-urls, tool-error,
 * security-scan (02 §6.8) */
void sessions_activity(struct request *, struct response *);
void sessions_progress(struct request *, struct response *);
void sessions_completion(struct request *, struct response *);
void sessions_external_urls(struct request *, struct response *);
void sessions_tool_error(struct request *, struct response *);
void sessions_security_scan(struct request *, struct response *);

/* creds.c: the /api/daemon/credentials routes (02 §7) */
void creds_snapshot(struct request *, struct response *);
void creds_rotate(struct request *, struct response *);
void creds_rotate_stream(struct request *, struct response *);

#endif
