/*
 * hello-fcgi -- the FastCGI ceiling for bench/: the smallest libfcgi
 * responder (accept, write a fixed JSON body, finish), run behind the same
 * nginx as the real responders so their figures are ratios to it.
 *
 * usage: hello-fcgi SOCKET [PROCS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

static pid_t kids[64];
static int nkids;

static void
on_term(int sig)
{
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	(void)sig;
}

static void
serve(int fd)
{
	static const char resp[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: 15\r\n\r\n"
	    "{\"status\":\"ok\"}";
	FCGX_Request r;

	FCGX_Init();
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(resp, sizeof(resp) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	int fd, procs = argc > 2 ? atoi(argv[2]) : 2;

	if (procs < 1 || procs > 64)
		procs = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: hello-fcgi SOCKET [PROCS]\n");
		return 2;
	}
	unlink(argv[1]);
	umask(0117);
	if ((fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		perror("FCGX_OpenSocket");
		return 1;
	}
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			serve(fd);
		}
		if (pid > 0)
			kids[nkids++] = pid;
	}
	signal(SIGTERM, on_term);
	while (wait(NULL) > 0)
		;
	return 0;
}
