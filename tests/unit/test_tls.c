/*
 * test_tls.c - trust anchor loading (files, SSL_CERT_DIR directories,
 * the order of AWS_CA_BUNDLE / SSL_CERT_FILE / SSL_CERT_DIR, limits), and
 * handshakes against `openssl s_server` with a CA and a localhost
 * certificate made at test time: success, unknown CA, wrong host name, IP
 * literal, TLS 1.3 only, and the sentences tls_describe() makes of them.
 * Skipped, with a note, when the openssl command is missing.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "http.h"
#include "loopback.h"
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

/* Starts s_server on 127.0.0.1:port; waits until it accepts. */
static pid_t
server_start(uint16_t port, const char *extra, const char *extra2)
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
		    "-quiet", extra, extra2, (char *)NULL);
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

/* from_env with the three settings; checks rc, count and the named var. */
static void
env_case(const char *label, const char *aws, const char *file,
    const char *dirs, int want_rc, size_t want_n, const char *want_var,
    const char *want_value)
{
	struct tls_trust_env	 e;
	struct tls_anchors	*a = NULL;
	const char		*var, *val;
	int			 r;

	e.aws_ca_bundle = aws;
	e.ssl_cert_file = file;
	e.ssl_cert_dir = dirs;
	r = tls_anchors_from_env(&a, &e, &var, &val);
	CHECKF(r == want_rc, label);
	if (r != want_rc)
		fprintf(stderr, "  got %d (%s)\n", r, tls_strerror(r));
	if (r == 0) {
		CHECKF(tls_anchors_count(a) == want_n, label);
		CHECKF(var == NULL && val == NULL, label);
		tls_anchors_free(a);
	} else {
		CHECKF(a == NULL, label);
		CHECKF(want_var == NULL ? var == NULL :
		    var != NULL && strcmp(var, want_var) == 0, label);
		CHECKF(want_value == NULL || (val != NULL &&
		    strcmp(val, want_value) == 0), label);
	}
}

static void
test_dirs(void)
{
	char	 d[256], empty[256], list[600], nine[2400], big[256];
	char	 ca[128], both[128], nofile[160];
	int	 i;

	path(d, sizeof(d), "certdir");
	path(empty, sizeof(empty), "emptydir");
	path(big, sizeof(big), "bigdir");
	path(ca, sizeof(ca), "ca.pem");
	path(both, sizeof(both), "both.pem");
	path(nofile, sizeof(nofile), "nonexistent.pem");

	/*
	 * certdir: ca.pem, its hash link, other CA as *.crt, a key named
	 * *.pem (skipped), a README (not read), a subdirectory (skipped).
	 */
	CHECK(sh("cd %s && mkdir certdir emptydir bigdir && "
	    "cp ca.pem certdir/ca.pem && cp other.pem certdir/other.crt && "
	    "ln -s ca.pem certdir/$(openssl x509 -noout -hash -in ca.pem).0 && "
	    "cp srv.key certdir/key.pem && echo hi > certdir/README && "
	    "mkdir certdir/sub.pem && echo hi > emptydir/README && "
	    "cp srv.key emptydir/only-a-key.pem && "
	    "i=0; while [ $i -lt 2048 ]; do ln -s ../ca.pem bigdir/c$i.pem; "
	    "i=$((i+1)); done", dir) == 0);

	/* Nothing set: the embedded roots (none here) or the system. */
	CHECK(tls_embedded_roots() == 0);
	/* AWS_CA_BUNDLE alone, whatever else is set. */
	env_case("aws alone", ca, both, d, 0, 1, NULL, NULL);
	env_case("aws missing", nofile, both, d, TLS_ENOBUNDLE,
	    0, "AWS_CA_BUNDLE", nofile);
	/* An empty value counts as unset. */
	env_case("aws empty", "", both, NULL, 0, 2, NULL, NULL);
	env_case("file", NULL, ca, NULL, 0, 1, NULL, NULL);
	env_case("file missing", NULL, nofile, d, TLS_ENOBUNDLE, 0,
	    "SSL_CERT_FILE", nofile);
	env_case("aws is a dir", d, NULL, NULL, TLS_EISDIR, 0,
	    "AWS_CA_BUNDLE", d);
	/* The directory: two CAs; the hash link is the same one again. */
	env_case("dir", NULL, NULL, d, 0, 2, NULL, NULL);
	/* File and directory add up, without duplicates. */
	env_case("file+dir", NULL, ca, d, 0, 2, NULL, NULL);
	env_case("dir empty", NULL, NULL, empty, TLS_EBUNDLE, 0,
	    "SSL_CERT_DIR", empty);
	env_case("dir missing", NULL, NULL, "/nonexistent/certs",
	    TLS_ENOBUNDLE, 0, "SSL_CERT_DIR", "/nonexistent/certs");
	/* A list; empty entries skipped; the failing entry is named. */
	snprintf(list, sizeof(list), ":%s::%s", d, empty);
	env_case("list", NULL, NULL, list, TLS_EBUNDLE, 0, "SSL_CERT_DIR",
	    empty);
	snprintf(list, sizeof(list), "%s:%s", d, d);
	env_case("list twice", NULL, NULL, list, 0, 2, NULL, NULL);
	/* TLS_MAX_CERT_DIRS entries, then one more. */
	nine[0] = '\0';
	for (i = 0; i < TLS_MAX_CERT_DIRS; i++) {
		if (i > 0)
			strcat(nine, ":");
		strcat(nine, d);
	}
	env_case("8 dirs", NULL, NULL, nine, 0, 2, NULL, NULL);
	strcat(nine, ":");
	strcat(nine, d);
	env_case("9 dirs", NULL, NULL, nine, TLS_EDIRLIMIT, 0, "SSL_CERT_DIR",
	    NULL);
	/* TLS_MAX_DIR_FILES files, then one more. */
	env_case("2048 files", NULL, NULL, big, 0, 1, NULL, NULL);
	CHECK(sh("ln -s ../ca.pem %s/bigdir/c2048.pem", dir) == 0);
	env_case("2049 files", NULL, NULL, big, TLS_EDIRLIMIT, 0,
	    "SSL_CERT_DIR", big);
	CHECK(strstr(tls_strerror(TLS_ENOSYSTEM), "SSL_CERT_DIR") != NULL);
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

	port = lb_dead_port();
	pid = server_start(port, "-tls1_2", NULL);
	CHECK(pid > 0);
	if (pid > 0) {
		r = handshake(good, port, "localhost");
		CHECKF(r == 0, tls_strerror(r));
		/* The session is offered again and the handshake works. */
		r = handshake(good, port, "localhost");
		CHECKF(r == 0, tls_strerror(r));
		r = handshake(other, port, "localhost");
		CHECKF(r == TLS_EUNTRUSTED, tls_strerror(r));
		CHECK(strcmp(tls_describe(&tc, r), "certificate signed by an "
		    "unknown authority (no trusted CA issued the certificate "
		    "of localhost)") == 0);
		r = handshake(good, port, "wrong.example");
		CHECKF(r == TLS_EHOSTNAME, tls_strerror(r));
		CHECKF(strcmp(tls_describe(&tc, r), "certificate is for host "
		    "localhost, not wrong.example") == 0, tls_describe(&tc, r));
		r = handshake(good, port, "127.0.0.1");
		CHECKF(r == TLS_EHOSTNAME, tls_strerror(r));
		CHECKF(strcmp(tls_describe(&tc, r), "certificate is for host "
		    "localhost, not 127.0.0.1") == 0, tls_describe(&tc, r));
		/* Another code than the last failure: the plain text. */
		CHECK(strcmp(tls_describe(&tc, TLS_EEXPIRED),
		    "certificate expired") == 0);

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

	port = lb_dead_port();
	pid = server_start(port, "-tls1_3", NULL);
	CHECK(pid > 0);
	if (pid > 0) {
		r = handshake(good, port, "localhost");
		CHECKF(r == TLS_EVERSION, tls_strerror(r));
	}
	server_stop(pid);

	/* Only a suite we do not offer: the server's alert is named. */
	port = lb_dead_port();
	pid = server_start(port, "-cipher", "AES128-SHA");
	CHECK(pid > 0);
	if (pid > 0) {
		r = handshake(good, port, "localhost");
		CHECKF(r == TLS_EHANDSHAKE, tls_strerror(r));
		CHECKF(strstr(tls_describe(&tc, r), "localhost sent alert 40 "
		    "(handshake_failure") != NULL, tls_describe(&tc, r));
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
	test_dirs();
	test_handshakes();
	sh("rm -rf %s", dir);
	return unit_done("test_tls");
}
