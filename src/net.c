/*
 * net.c - TCP client sockets with deadlines and a cancellation watch.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

/*
 * Waits until fd is ready for events (POLLIN or POLLOUT) or the absolute
 * deadline (0: none) passes, serving the watch meanwhile.  Returns 0 when
 * fd is ready (or in error: the following call finds out which), else
 * NET_ETIMEOUT, NET_ECANCELED or NET_EIO.  fd -1 only watches: it then
 * returns 0 at the deadline.
 */
static int
wait_fd(int fd, short events, int64_t deadline, const struct net_watch *w)
{
	struct pollfd	 pfd[2];
	nfds_t		 n;
	int64_t		 left;
	int		 r, ms;

	for (;;) {
		ms = -1;
		if (deadline > 0) {
			left = deadline - time_now_ms();
			if (left <= 0)
				return fd < 0 ? 0 : NET_ETIMEOUT;
			ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		n = 0;
		if (fd >= 0) {
			pfd[n].fd = fd;
			pfd[n].events = events;
			pfd[n].revents = 0;
			n++;
		}
		if (w != NULL && w->fd >= 0) {
			pfd[n].fd = w->fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		if (n == 0 && ms < 0)
			return 0;	/* nothing to wait for, no deadline */
		r = poll(n > 0 ? pfd : NULL, n, ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return NET_EIO;
		}
		if (r == 0)
			continue;	/* the deadline check above decides */
		/*
		 * The watch is served before the socket so that a cancel
		 * wins even while data keeps arriving.
		 */
		if (w != NULL && w->fd >= 0 && pfd[n - 1].revents != 0) {
			if (w->on_watch == NULL || w->on_watch(w->arg) != 0)
				return NET_ECANCELED;
		}
		if (fd >= 0 && pfd[0].revents != 0)
			return 0;
	}
}

static int64_t
deadline_after(int64_t timeout_ms)
{
	return timeout_ms > 0 ? time_now_ms() + timeout_ms : 0;
}

static int
map_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return NET_EREFUSED;
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
		return NET_ERESET;
	case ETIMEDOUT:
		return NET_ETIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
#ifdef EHOSTDOWN
	case EHOSTDOWN:
#endif
		return NET_EUNREACH;
	default:
		return NET_EIO;
	}
}

static int
set_flags(int fd)
{
	int	 fl, one = 1;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	/* Requests are written whole; waiting for ACKs only adds latency. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* One address: 0 and *fd set, or a negative NET_E*. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline,
    const struct net_watch *w, int *fdp)
{
	socklen_t	 len;
	int		 fd, r, soerr;

	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd == -1)
		return map_errno(errno);
	if (set_flags(fd) == -1) {
		close(fd);
		return NET_EIO;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS && errno != EINTR) {
		r = map_errno(errno);
		close(fd);
		return r;
	}
	if ((r = wait_fd(fd, POLLOUT, deadline, w)) != 0) {
		close(fd);
		return r;
	}
	soerr = 0;
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		close(fd);
		return map_errno(soerr);
	}
done:
	*fdp = fd;
	return 0;
}

/* see net.h */
int
net_connect(const char *host, uint16_t port, int64_t timeout_ms,
    const struct net_watch *w, int *fdp)
{
	struct addrinfo	 hints, *res, *ai;
	char		 service[8];
	int64_t		 deadline, now, share;
	int		 r, err, left, refused, others;

	*fdp = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	if (host == NULL || getaddrinfo(host, service, &hints, &res) != 0)
		return NET_ERESOLVE;

	left = 0;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		left++;
	deadline = deadline_after(timeout_ms);
	err = NET_EIO;
	refused = others = 0;
	for (ai = res; ai != NULL; ai = ai->ai_next, left--) {
		/*
		 * Each address gets an equal share of the time left, so a
		 * black-holed first address (often IPv6) cannot use it all.
		 */
		share = 0;
		if (deadline > 0) {
			now = time_now_ms();
			if (now >= deadline) {
				err = NET_ETIMEOUT;
				break;
			}
			share = now + (deadline - now) / (left > 0 ? left : 1);
			if (share <= now)
				share = now + 1;
		}
		r = connect_one(ai, share, w, fdp);
		if (r == 0) {
			freeaddrinfo(res);
			return 0;
		}
		if (r == NET_ECANCELED) {
			err = r;
			break;
		}
		if (r == NET_EREFUSED)
			refused++;
		else
			others++;
		err = r;
	}
	freeaddrinfo(res);
	/* Say "refused" only when every address refused. */
	if (err != NET_ECANCELED && refused > 0 && others == 0)
		return NET_EREFUSED;
	if (err == NET_EREFUSED)
		return NET_EIO;
	return err;
}

/*
 * Asks for immediate ACKs while a response is read.  A peer that writes a
 * response's head and body in two sends with Nagle on (Ceph RGW as
 * configured by default) holds the body's last segment until the head is
 * ACKed, and a delayed ACK waits about 40 ms: every GET would take 40 ms
 * more.  Linux drops quick-ACK mode on its own, so it is re-armed before
 * each read.  Where TCP_QUICKACK is missing this does nothing.
 */
static void
quickack(int fd)
{
#ifdef TCP_QUICKACK
	int	 one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

/* see net.h */
int
net_read(int fd, void *p, size_t n, int64_t timeout_ms,
    const struct net_watch *w)
{
	int64_t		 deadline;
	ssize_t		 r;
	int		 e;

	/*
	 * INT32_MAX rather than INT_MAX: <limits.h> meets the project's own
	 * limits.h when include/ is given with -I, and an int holds at
	 * least 32 bits anyway.
	 */
	if (n > INT32_MAX)
		n = INT32_MAX;
	deadline = deadline_after(timeout_ms);
	for (;;) {
		quickack(fd);
		r = recv(fd, p, n, 0);
		if (r >= 0)
			return (int)r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return map_errno(errno);
		if ((e = wait_fd(fd, POLLIN, deadline, w)) != 0)
			return e;
	}
}

/* see net.h */
int
net_write(int fd, const void *p, size_t n, int64_t timeout_ms,
    const struct net_watch *w)
{
	const char	*s = p;
	ssize_t		 r;
	int		 e;

	while (n > 0) {
		r = send(fd, s, n, MSG_NOSIGNAL);
		if (r > 0) {
			s += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return map_errno(errno);
		/* The deadline restarts with each wait: it bounds idleness. */
		if ((e = wait_fd(fd, POLLOUT, deadline_after(timeout_ms),
		    w)) != 0)
			return e;
	}
	return 0;
}

/* see net.h */
int
net_idle_ok(int fd)
{
	struct pollfd	 pfd;
	int		 r;

	if (fd < 0)
		return 0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, 0);
	while (r < 0 && errno == EINTR);
	return r == 0;
}

/* see net.h */
int
net_sleep(int64_t ms, const struct net_watch *w)
{
	if (ms <= 0)
		return 0;
	return wait_fd(-1, 0, time_now_ms() + ms, w);
}

/* see net.h */
void
net_close(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

/* see net.h */
const char *
net_strerror(int e)
{
	switch (e) {
	case 0:
		return "success";
	case NET_ERESOLVE:
		return "host name did not resolve";
	case NET_EREFUSED:
		return "connection refused";
	case NET_ETIMEOUT:
		return "timed out";
	case NET_ERESET:
		return "connection reset by peer";
	case NET_ECANCELED:
		return "canceled";
	case NET_EUNREACH:
		return "network or host unreachable";
	case NET_EIO:
		return "socket error";
	default:
		return "unknown network error";
	}
}

/* see net.h */
void
net_watch_set(struct net_watch *dst, const struct net_watch *src)
{
	if (src != NULL)
		*dst = *src;
	else {
		dst->fd = -1;
		dst->on_watch = NULL;
		dst->arg = NULL;
	}
}
