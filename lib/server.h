/*
 * server.h -- a responder's main: settings, socket, prefork supervisor,
 * request loop (00-overview.md §2 "Process model").
 *
 * The supervisor binds $RENSEI_RUN_DIR/<socket>.sock with umask 0117
 * (mode 0660: nginx reaches it through the group, others cannot), writes
 * <socket>.pid, forks RENSEI_<GROUP>_PROCS workers and supervises them:
 * a crashed worker is respawned with backoff; SIGTERM lets each worker
 * finish the request in hand, then everything exits; SIGHUP restarts the
 * workers one at a time.  Each worker opens its own database connection,
 * with wal_autocheckpoint=0; when the workers use the store the supervisor
 * also keeps one checkpointer process (respawned like a worker) that copies
 * the WAL back into the database outside every request.
 */
#ifndef RENSEI_SERVER_H
#define RENSEI_SERVER_H

#include <stddef.h>

#include "route.h"
#include "settings.h"

struct responder {
	const char          *name;        /* "rensei-health", for logs */
	enum group           group;
	const char          *socket;      /* socket/pid base name; NULL = group name */
	const struct route  *routes;
	size_t               nroutes;
	unsigned             secrets;     /* SECRET_BIT mask this group needs */
	int                  open_store;  /* workers open the database at start */
	size_t               body_cap;    /* 0 = HTTP_BODY_CAP */
	int                  procs;       /* 0 = RENSEI_<GROUP>_PROCS */
	void               (*before_fork)(void);   /* once, in the supervisor */
	void               (*worker_init)(void);   /* once per worker process */
	/* After the handler, for every response (headers common to a group). */
	void               (*finish)(struct request *, struct response *);
	/* After the response went out (FCGX_Finish_r), before the next accept:
	 * deferred work such as the cleanup a poll triggers (02 §6.9). */
	void               (*after_request)(void);
	/* Replaces route_dispatch(routes, nroutes, …) when set: a responder
	 * whose routes live in several tables picks the table by path. */
	void               (*dispatch)(struct request *, struct response *);
	/* Process count = RENSEI_CREDENTIAL_STREAMS + 1 (02 §7.4). */
	int                  procs_from_streams;
};

/* Never returns on success paths; returns the process exit status. */
int server_main(const struct responder *r, int argc, char **argv);

/* The database file of the data dir. */
const char *server_db_path(void);

#endif
