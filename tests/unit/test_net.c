/*
 * test_net.c - TCP sockets against loopback listeners (loopback.h):
 * connect, refusal, a listener whose queue is full (the connect deadline),
 * a peer that never answers (the read deadline, on time), the watch fd
 * (cancel at once, or consumed and waited on), a peer that closes or
 * resets, net_idle_ok and net_sleep.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "loopback.h"
#include "net.h"
#include "unit.h"
#include "util.h"

/* A connected pair: *cfd from net_connect, *sfd accepted. */
static int
pair(int *cfd, int *sfd)
{
	uint16_t	 port;
	int		 lfd;

	*cfd = *sfd = -1;
	if ((lfd = lb_listen(&port)) < 0)
		return -1;
	if (net_connect("127.0.0.1", port, 2000, NULL, cfd) != 0) {
		close(lfd);
		return -1;
	}
	*sfd = accept(lfd, NULL, NULL);
	close(lfd);
	return *sfd >= 0 ? 0 : -1;
}

static void
test_connect(void)
{
	char		 b[16];
	int		 c, s, fl;

	CHECK(pair(&c, &s) == 0);
	/* Non-blocking and close-on-exec, as net.h says. */
	fl = fcntl(c, F_GETFL);
	CHECK(fl != -1 && (fl & O_NONBLOCK));
	CHECK((fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(net_write(c, "ping", 4, 1000, NULL) == 0);
	CHECK(read(s, b, sizeof(b)) == 4 && memcmp(b, "ping", 4) == 0);
	CHECK(write(s, "pong!", 5) == 5);
	CHECK(net_read(c, b, sizeof(b), 1000, NULL) == 5);
	CHECK(memcmp(b, "pong!", 5) == 0);
	/* Idle with nothing to read: usable. */
	CHECK(net_idle_ok(c) == 1);
	/* Something unsolicited: not. */
	CHECK(write(s, "x", 1) == 1);
	(void)net_sleep(20, NULL);
	CHECK(net_idle_ok(c) == 0);
	CHECK(net_read(c, b, 1, 1000, NULL) == 1);
	/* The peer closes: end of file, and no longer idle-usable. */
	close(s);
	CHECK(net_read(c, b, sizeof(b), 1000, NULL) == 0);
	CHECK(net_idle_ok(c) == 0);
	net_close(c);
	net_close(-1);

	/* Nothing listens: refused at once. */
	CHECK(net_connect("127.0.0.1", lb_dead_port(), 2000, NULL, &c) ==
	    NET_EREFUSED);
	CHECK(net_connect("nonexistent.invalid", 80, 2000, NULL, &c) ==
	    NET_ERESOLVE);
	/* An IPv4 literal and localhost work alike. */
	{
		uint16_t	 port;
		int		 lfd = lb_listen(&port);

		CHECK(lfd >= 0);
		CHECK(net_connect("localhost", port, 2000, NULL, &c) == 0);
		net_close(c);
		close(lfd);
	}
}

static void
test_reset(void)
{
	struct linger	 lg = { 1, 0 };
	char		 b[64];
	int		 c, s, rc, i;

	CHECK(pair(&c, &s) == 0);
	/* A reset, not a close: RST on the wire. */
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(s);
	(void)net_sleep(20, NULL);
	CHECK(net_read(c, b, sizeof(b), 1000, NULL) == NET_ERESET);
	net_close(c);

	/* Writes to a peer that reset fail, without SIGPIPE. */
	CHECK(pair(&c, &s) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(s);
	(void)net_sleep(20, NULL);
	for (i = 0, rc = 0; i < 4 && rc == 0; i++)
		rc = net_write(c, b, sizeof(b), 1000, NULL);
	CHECK(rc == NET_ERESET || rc == NET_EIO);
	net_close(c);
}

static void
test_deadlines(void)
{
	char		 b[16];
	int64_t		 t0, dt;
	uint16_t	 port;
	int		 c, s, lfd, i, rc, fds[8];

	/* A peer that never answers: the read deadline, on time. */
	CHECK(pair(&c, &s) == 0);
	t0 = time_now_ms();
	CHECK(net_read(c, b, sizeof(b), 200, NULL) == NET_ETIMEOUT);
	dt = time_now_ms() - t0;
	CHECKF(dt >= 190 && dt < 1000, "read deadline");
	net_close(c);
	close(s);

	/*
	 * A listener that never accepts, its queue full: SYNs are dropped,
	 * and the connect deadline ends the wait.
	 */
	CHECK((lfd = lb_listen(&port)) >= 0);
	CHECK(listen(lfd, 0) == 0);
	for (i = 0, rc = 0; i < 8 && rc == 0; i++) {
		t0 = time_now_ms();
		rc = net_connect("127.0.0.1", port, 200, NULL, &fds[i]);
		dt = time_now_ms() - t0;
	}
	CHECKF(rc == NET_ETIMEOUT, "connect to a full queue");
	CHECKF(dt >= 190 && dt < 1000, "connect deadline");
	while (--i > 0)
		net_close(fds[i - 1]);
	close(lfd);
}

struct watched {
	int	 fd;
	int	 calls;
	int	 stop;		/* what on_watch returns */
};

/* Reads the byte it was woken for, then says whether to stop. */
static int
on_watch(void *arg)
{
	struct watched	*w = arg;
	char		 ch;

	w->calls++;
	if (read(w->fd, &ch, 1) <= 0)
		return 1;	/* end of file: always stop */
	return w->stop;
}

static void
test_watch(void)
{
	struct net_watch	 nw;
	struct watched		 w;
	char			 b[16];
	int64_t			 t0;
	int			 c, s, p[2];

	CHECK(pair(&c, &s) == 0);
	CHECK(pipe(p) == 0);

	/* No callback: readable means cancelled, before the deadline. */
	nw.fd = p[0];
	nw.on_watch = NULL;
	nw.arg = NULL;
	CHECK(write(p[1], "x", 1) == 1);
	t0 = time_now_ms();
	CHECK(net_read(c, b, sizeof(b), 5000, &nw) == NET_ECANCELED);
	CHECK(net_sleep(5000, &nw) == NET_ECANCELED);
	CHECK(time_now_ms() - t0 < 1000);
	CHECK(read(p[0], b, 1) == 1);

	/* A callback that consumes and goes on: the data still arrives. */
	memset(&w, 0, sizeof(w));
	w.fd = p[0];
	nw.on_watch = on_watch;
	nw.arg = &w;
	CHECK(write(p[1], "y", 1) == 1);
	CHECK(write(s, "late", 4) == 4);
	CHECK(net_read(c, b, sizeof(b), 2000, &nw) == 4);
	/* ...and a deadline still holds while it watches. */
	CHECK(write(p[1], "z", 1) == 1);
	t0 = time_now_ms();
	CHECK(net_read(c, b, sizeof(b), 200, &nw) == NET_ETIMEOUT);
	CHECK(time_now_ms() - t0 < 1000);
	CHECK(w.calls >= 1 && w.calls <= 2);

	/* One that asks to stop: cancelled. */
	w.stop = 1;
	w.calls = 0;
	CHECK(write(p[1], "q", 1) == 1);
	t0 = time_now_ms();
	CHECK(net_read(c, b, sizeof(b), 5000, &nw) == NET_ECANCELED);
	CHECK(w.calls == 1);
	/* The watch hangs up: on_watch sees end of file and stops. */
	w.stop = 0;
	close(p[1]);
	CHECK(net_read(c, b, sizeof(b), 5000, &nw) == NET_ECANCELED);
	CHECK(net_sleep(5000, &nw) == NET_ECANCELED);
	CHECK(time_now_ms() - t0 < 1000);
	/* fd -1 is no watch. */
	nw.fd = -1;
	t0 = time_now_ms();
	CHECK(net_sleep(50, &nw) == 0);
	CHECK(time_now_ms() - t0 >= 45);
	CHECK(net_sleep(0, NULL) == 0);
	close(p[0]);
	net_close(c);
	close(s);
}

static void
test_strerror(void)
{
	static const int codes[] = {
		NET_ERESOLVE, NET_EREFUSED, NET_ETIMEOUT, NET_ERESET,
		NET_ECANCELED, NET_EUNREACH, NET_EIO
	};
	const char	*s;
	size_t		 i, n;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		CHECK(codes[i] < 0 && codes[i] >= -19);
		s = net_strerror(codes[i]);
		n = s != NULL ? strlen(s) : 0;
		CHECK(n > 0 && s[n - 1] != '.');
	}
	CHECK(strstr(net_strerror(NET_EREFUSED), "refused") != NULL);
}

int
main(void)
{
	signal(SIGPIPE, SIG_DFL);	/* sends must not raise it anyway */
	test_connect();
	test_reset();
	test_deadlines();
	test_watch();
	test_strerror();
	return unit_done("test_net");
}
