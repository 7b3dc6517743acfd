/*
 * test_tls.c - trust anchor loading, and handshakes against
 * `openssl s_server` with a CA and a localhost certificate made at test
 * time: success, unknown CA, wrong host name, IP literal, TLS 1.3 only.
 * Skipped, with a note, when the openssl command is missing.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "http.h"
#include "net.h"
#include "tls.h"
#include "unit.h"
#include "util.h"

static char	 dir[64];
static struct tls_conn	 tc;

static int
sh(const char *fmt, const char *arg)
{
	char	 cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg,
	    arg);
	return system(cmd);
}

static void
path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static uint16_t
free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 fd;
	uint16_t		 port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Starts s_server on 127.0.0.1:port; waits until it accepts. */
static pid_t
server_start(uint16_t port, const char *extra)
{
	char	 accept[32], cert[128], key[128];
	pid_t	 pid;
	int	 i, fd, nul;

	snprintf(accept, sizeof(accept), "127.0.0.1:%u", (unsigned)port);
	path(cert, sizeof(cert), "srv.pem");
	path(key, sizeof(key), "srv.key");
	fflush(NULL);
	if ((pid = fork()) == 0) {
		nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execlp("openssl", "openssl", "s_server", "-accept", accept,
		    "-cert", cert, "-key", key, "-www", "-naccept", "20",
		    "-quiet", extra, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (net_connect("127.0.0.1", port, 1000, NULL, &fd) == 0) {
			net_close(fd);
			return pid;
		}
		(void)net_sleep(50, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static void
server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* One handshake to 127.0.0.1:port presenting name. */
static int
handshake(const struct tls_anchors *a, uint16_t port, const char *name)
{
	int	 fd, r;

	if ((r = net_connect("127.0.0.1", port, 2000, NULL, &fd)) != 0)
		return r;
	tls_init(&tc, a);
	r = tls_connect(&tc, fd, name, 3000, NULL);
	tls_close(&tc);
	return r;
}

struct page {
	int	 status;
	size_t	 n;
};

static int
p_status(void *arg, int code)
{
	((struct page *)arg)->status = code;
	return 0;
}

static int
p_body(void *arg, const char *p, size_t n)
{
	(void)p;
	((struct page *)arg)->n += n;
	return 0;
}

static void
test_loading(void)
{
	struct tls_anchors	*a;
	char			 p[128];
	FILE			*f;

	CHECK(tls_anchors_load(&a, "/nonexistent/ca.pem") == TLS_ENOBUNDLE);
	CHECK(a == NULL);
	path(p, sizeof(p), "junk.pem");
	if ((f = fopen(p, "w")) != NULL) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	CHECK(tls_anchors_load(&a, p) == TLS_EBUNDLE);
	path(p, sizeof(p), "srv.key");	/* PEM, but no CERTIFICATE */
	CHECK(tls_anchors_load(&a, p) == TLS_EBUNDLE);
	path(p, sizeof(p), "both.pem");
	CHECK(tls_anchors_load(&a, p) == 0);
	CHECK(tls_anchors_count(a) == 2);
	CHECK(strcmp(tls_anchors_path(a), p) == 0);
	tls_anchors_free(a);
	/* The system bundle, when this machine has one. */
	if (tls_anchors_load(&a, NULL) == 0) {
		CHECK(tls_anchors_count(a) > 10);
		tls_anchors_free(a);
	}
}

static void
test_handshakes(void)
{
	static const struct http_request	 req = {
		"GET", { "/", 1 }, NULL, 0, NULL, 0, 1
	};
	struct tls_anchors	*good, *other;
	struct http_conn	*c;
	struct http_callbacks	 cb;
	struct page		 pg;
	char			 p[128];
	uint16_t		 port;
	pid_t			 pid;
	int			 r;

	path(p, sizeof(p), "ca.pem");
	CHECK(tls_anchors_load(&good, p) == 0);
	path(p, sizeof(p), "other.pem");
	CHECK(tls_anchors_load(&other, p) == 0);

	port = free_port();
	pid = server_start(port, "-tls1_2");
	CHECK(pid > 0);
	if (pid > 0) {
		r = handshake(good, port, "localhost");
		CHECKF(r == 0, tls_strerror(r));
		/* The session is offered again and the handshake works. */
		r = handshake(good, port, "localhost");
		CHECKF(r == 0, tls_strerror(r));
		r = handshake(other, port, "localhost");
		CHECKF(r == TLS_EUNTRUSTED, tls_strerror(r));
		r = handshake(good, port, "wrong.example");
		CHECKF(r == TLS_EHOSTNAME, tls_strerror(r));
		r = handshake(good, port, "127.0.0.1");
		CHECKF(r == TLS_EHOSTNAME, tls_strerror(r));

		/* A whole exchange over https (s_server -www answers 1.0). */
		CHECK(http_conn_new(&c, 1, "localhost", port, good) == 0);
		http_conn_timeouts(c, 3000, 3000);
		memset(&pg, 0, sizeof(pg));
		memset(&cb, 0, sizeof(cb));
		cb.status = p_status;
		cb.body = p_body;
		cb.arg = &pg;
		r = http_exchange(c, &req, &cb, NULL);
		CHECKF(r == 0, http_strerror(r));
		CHECK(pg.status == 200 && pg.n > 0);
		http_conn_free(c);
	}
	server_stop(pid);

	port = free_port();
	pid = server_start(port, "-tls1_3");
	CHECK(pid > 0);
	if (pid > 0) {
		r = handshake(good, port, "localhost");
		CHECKF(r == TLS_EVERSION, tls_strerror(r));
	}
	server_stop(pid);
	tls_anchors_free(good);
	tls_anchors_free(other);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/test_tls.XXXXXX";

	if (system("openssl version >/dev/null 2>&1") != 0) {
		printf("test_tls: openssl not found, handshake tests skipped\n");
		return unit_done("test_tls");
	}
	if (mkdtemp(tmpl) == NULL) {
		CHECK(!"mkdtemp");
		return unit_done("test_tls");
	}
	memcpy(dir, tmpl, sizeof(tmpl));
	CHECK(sh("(cd %s && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 2 -subj '/CN=test CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key "
	    "-out other.pem -days 2 -subj '/CN=other CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign && "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout srv.key -out srv.csr -subj /CN=localhost && "
	    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf && "
	    "cat ca.pem other.pem > both.pem) >/dev/null 2>&1", dir) == 0);
	test_loading();
	test_handshakes();
	sh("rm -rf %s", dir);
	return unit_done("test_tls");
}
