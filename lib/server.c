/*
 * server.c -- prefork supervisor and the FastCGI request loop.
 *
 * Workers accept connections themselves (poll + accept4 on the shared
 * listening socket) and hand the connected fd to libfcgi, so SIGTERM can
 * be unblocked exactly while a worker waits for a connection (ppoll's
 * atomic mask): a signal never interrupts a request, and a worker waiting
 * for work exits at once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "http.h"
#include "log.h"
#include "secrets.h"
#include "server.h"
#include "store.h"

#define MAX_PROCS 257   /* RENSEI_CREDENTIAL_STREAMS (≤ 256) + 1 */
#define STOP_GRACE_S 30

static volatile sig_atomic_t got_term, got_hup, got_chld;
static char db_path[PATH_MAX];

struct kid {
	pid_t   pid;
	int64_t started_ms;
	int     backoff_ms;
};

const char *
server_db_path(void)
{
	return db_path;
}

static void
on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;         /* no SA_RESTART: waits return EINTR */
	sigaction(sig, &sa, NULL);
}

/* fds 0-2 must exist so no socket or database ends up on them. */
static void
ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static int
open_listener(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("open_listener: socket path too long: %s", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_error("open_listener: socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_error("open_listener: bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 128) == -1) {
		log_error("open_listener: listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A pid file naming a live process means another supervisor owns the
 * socket: refuse rather than steal it. */
static int
claim_pidfile(const char *path)
{
	char buf[32];
	FILE *f;
	long pid;

	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (pid = strtol(buf, NULL, 10)) > 1 && pid != getpid() &&
		    kill((pid_t)pid, 0) == 0) {
			fclose(f);
			log_error("claim_pidfile: %s: already running as pid %ld",
			    path, pid);
			return -1;
		}
		fclose(f);
	}
	if ((f = fopen(path, "w")) == NULL) {
		log_error("claim_pidfile: %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

static void
handle_one(const struct responder *r, FCGX_Request *fr, struct arena *a,
    struct response *resp)
{
	struct request req;
	struct timespec ts;
	int64_t t0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	http_request_init(&req, a, fr, fr->envp);
	if (r->body_cap)
		req.body_cap = r->body_cap;
	http_response_reset(resp);
	if (r->dispatch != NULL)
		r->dispatch(&req, resp);
	else
		route_dispatch(r->routes, r->nroutes, &req, resp);
	if (r->finish != NULL)
		r->finish(&req, resp);
	if (store_in_txn()) {
		/* A handler that returned inside a transaction has a bug;
		 * roll back so the next request starts clean. */
		log_error("handle_one: %s %s left a transaction open",
		    req.method, req.path);
		store_rollback();
	}
	http_send(&req, resp);
	json_object_put(req.json);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	log_request(req.request_id, req.method, req.path, resp->status,
	    (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - t0,
	    auth_principal_label(&req));
	arena_reset(a);
}

/*
 * A child's signals: SIGTERM/SIGINT set got_term and are delivered only
 * while it waits (ppoll with *waitmask), so a request or a checkpoint in
 * hand is never cut short; SIGHUP is the supervisor's, SIGPIPE ignored.
 */
static void
child_signals(sigset_t *waitmask)
{
	sigset_t blocked;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, &blocked, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	install(SIGTERM, on_signal);
	install(SIGINT, on_signal);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

static void
worker_loop(const struct responder *r, int lfd)
{
	FCGX_Request fr;
	struct response resp;
	struct arena a;
	sigset_t waitmask;

	child_signals(&waitmask);

	if (r->open_store &&
	    store_open(db_path, STORE_OPEN_RESPONDER) == -1)
		_exit(EX_CONFIG);
	if (r->worker_init != NULL)
		r->worker_init();
	if (FCGX_Init() != 0)
		_exit(1);
	FCGX_InitRequest(&fr, lfd, 0);
	arena_init(&a);
	http_response_init(&resp);

	while (!got_term) {
		if (fr.ipcFd < 0) {
			struct pollfd p = { .fd = lfd, .events = POLLIN };
			int fd;

			if (ppoll(&p, 1, NULL, &waitmask) == -1)
				continue;       /* EINTR: loop re-checks got_term */
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1) {
				if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM)
					usleep(100000);   /* degrade, don't spin */
				continue;
			}
			/* keepConnection = 1 stops FCGX_Accept_r's leading
			 * Finish from closing the fd we just accepted. */
			fr.ipcFd = fd;
			fr.keepConnection = 1;
		}
		if (FCGX_Accept_r(&fr) < 0) {
			FCGX_Finish_r(&fr);
			fr.ipcFd = -1;
			continue;
		}
		handle_one(r, &fr, &a, &resp);
		FCGX_Finish_r(&fr);
		if (r->after_request != NULL)
			r->after_request();
	}
	store_close();
	http_response_free(&resp);
	arena_free(&a);
	secrets_wipe();
	_exit(0);
}

/*
 * The checkpointer: one per supervisor whose workers open the store.  The
 * workers commit with wal_autocheckpoint=0, so no request pays for copying
 * the WAL back into the database (two fsyncs); this process does it, every
 * CKPT_IDLE_MS when idle and back to back while there is work, and
 * restarts the log when it has grown (store_checkpoint).  Several
 * supervisors' checkpointers coexist: SQLite lets one run at a time and the
 * others get STORE_BUSY and sleep.
 */
#define CKPT_IDLE_MS 200
#define CKPT_BUSY_MS 5
#define CKPT_PINNED_MS 20

static void
checkpointer_loop(int lfd)
{
	sigset_t waitmask;
	struct timespec ts;
	int frames, done, prev_done = 0, rc, ms;

	close(lfd);
	child_signals(&waitmask);
	/* A RESTART holds new writers back while it waits for readers:
	 * keep that wait short and try again on the next pass. */
	store_set_busy_timeout(50);
	if (store_open(db_path, 0) == -1)
		_exit(EX_CONFIG);
	while (!got_term) {
		rc = store_checkpoint(&frames, &done);
		/* Progress, or a log past the restart bound: come back at
		 * once; frames left that readers still pin: soon; else idle. */
		if (rc == STORE_ERROR)
			ms = 1000;
		else if (done != prev_done || frames > STORE_WAL_RESTART_FRAMES)
			ms = CKPT_BUSY_MS;
		else if (frames > done)
			ms = CKPT_PINNED_MS;
		else
			ms = CKPT_IDLE_MS;
		prev_done = done;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		(void)ppoll(NULL, 0, &ts, &waitmask);
	}
	store_close();
	secrets_wipe();
	_exit(0);
}

static pid_t
spawn(const struct responder *r, int lfd, int checkpointer)
{
	pid_t pid = fork();

	if (pid == 0 && checkpointer)
		checkpointer_loop(lfd);
	if (pid == 0)
		worker_loop(r, lfd);
	if (pid == -1)
		log_error("spawn: fork: %s", strerror(errno));
	return pid;
}

/* Waits for pid with a deadline; SIGKILL when it passes. */
static void
reap_with_deadline(pid_t pid, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	log_warn("reap_with_deadline: pid %ld did not stop; killing", (long)pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
supervise(const struct responder *r, int lfd, int nprocs)
{
	struct kid kids[MAX_PROCS + 1];
	/* kids[nprocs] is the checkpointer, when the workers use the store. */
	int nkids = nprocs + (r->open_store ? 1 : 0);
	sigset_t blocked, waitmask;

	memset(kids, 0, sizeof(kids));
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, &waitmask);
	install(SIGTERM, on_signal);
	install(SIGINT, on_signal);
	install(SIGHUP, on_signal);
	install(SIGCHLD, on_signal);
	signal(SIGPIPE, SIG_IGN);

	for (int i = 0; i < nkids; i++) {
		kids[i].pid = spawn(r, lfd, i == nprocs);
		kids[i].started_ms = clock_now_ms();
	}
	log_info("supervise: %s serving with %d workers", r->name, nprocs);

	while (!got_term) {
		sigsuspend(&waitmask);
		if (got_chld) {
			pid_t pid;
			int status;

			got_chld = 0;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				for (int i = 0; i < nkids; i++) {
					if (kids[i].pid != pid)
						continue;
					if (WIFSIGNALED(status))
						log_error("supervise: worker %ld "
						    "killed by signal %d", (long)pid,
						    WTERMSIG(status));
					else if (WEXITSTATUS(status) != 0)
						log_error("supervise: worker %ld "
						    "exited with %d", (long)pid,
						    WEXITSTATUS(status));
					kids[i].pid = 0;
				}
			}
		}
		if (got_hup) {
			got_hup = 0;
			log_info("supervise: SIGHUP: restarting workers one by one");
			for (int i = 0; i < nkids && !got_term; i++) {
				if (kids[i].pid > 0) {
					kill(kids[i].pid, SIGTERM);
					reap_with_deadline(kids[i].pid, STOP_GRACE_S);
				}
				kids[i].pid = spawn(r, lfd, i == nprocs);
				kids[i].started_ms = clock_now_ms();
				kids[i].backoff_ms = 0;
			}
		}
		/* Respawn the dead; a worker that died within a second of its
		 * start doubles its backoff (100 ms … 5 s) so a crash loop
		 * cannot eat the machine. */
		for (int i = 0; i < nkids && !got_term; i++) {
			if (kids[i].pid != 0)
				continue;
			if (clock_now_ms() - kids[i].started_ms < 1000) {
				kids[i].backoff_ms = kids[i].backoff_ms ?
				    kids[i].backoff_ms * 2 : 100;
				if (kids[i].backoff_ms > 5000)
					kids[i].backoff_ms = 5000;
				usleep((useconds_t)kids[i].backoff_ms * 1000);
			} else
				kids[i].backoff_ms = 0;
			kids[i].pid = spawn(r, lfd, i == nprocs);
			kids[i].started_ms = clock_now_ms();
		}
	}

	log_info("supervise: stopping; waiting for in-flight requests");
	for (int i = 0; i < nkids; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (int i = 0; i < nkids; i++)
		if (kids[i].pid > 0)
			reap_with_deadline(kids[i].pid, STOP_GRACE_S);
}

int
server_main(const struct responder *r, int argc, char **argv)
{
	char err[512], sock[PATH_MAX], pidf[PATH_MAX];
	const char *base = r->socket ? r->socket : group_name(r->group);
	int lfd, nprocs;

	(void)argc;
	(void)argv;
	ensure_std_fds();
	log_init(base);
	if (crypto_init() == -1) {
		log_error("server_main: libsodium initialisation failed");
		return 1;
	}
	if (config_load(0, err, sizeof(err)) == -1) {
		log_error("server_main: configuration: %s", err);
		return EX_CONFIG;
	}
	if (secrets_load(r->secrets, err, sizeof(err)) == -1) {
		log_error("server_main: secret: %s", err);
		return EX_CONFIG;
	}
	/* Domain writes append audit events; the master key is loaded once,
	 * before the fork, into memory every worker inherits. */
	if (secret_get(SECRET_AUDIT_MASTER) != NULL &&
	    audit_init(secret_get(SECRET_AUDIT_MASTER)->key) == -1) {
		log_error("server_main: audit key initialisation failed");
		return EX_CONFIG;
	}
	snprintf(db_path, sizeof(db_path), "%s/rensei.db", cfg.data_dir);
	if (r->open_store) {
		/* Refuse to start on an older schema (00-overview.md §2). */
		if (store_open(db_path, 0) == -1 || store_check_schema() == -1) {
			store_close();
			return EX_CONFIG;
		}
		store_close();
	}
	nprocs = r->procs ? r->procs : (int)cfg.procs[r->group];
	if (r->procs_from_streams)
		nprocs = (int)cfg.credential_streams + 1;
	if (nprocs < 1 || nprocs > MAX_PROCS)
		nprocs = 2;
	snprintf(sock, sizeof(sock), "%s/%s.sock", cfg.run_dir, base);
	snprintf(pidf, sizeof(pidf), "%s/%s.pid", cfg.run_dir, base);
	if (claim_pidfile(pidf) == -1)
		return 1;
	if ((lfd = open_listener(sock)) == -1) {
		unlink(pidf);
		return 1;
	}
	if (r->before_fork != NULL)
		r->before_fork();
	supervise(r, lfd, nprocs);
	close(lfd);
	unlink(sock);
	unlink(pidf);
	secrets_wipe();
	log_info("server_main: %s stopped", r->name);
	return 0;
}
