/*
 * net.h - TCP client sockets with deadlines and a cancellation watch.
 *
 * A socket is a plain int fd, non-blocking, close-on-exec, with
 * TCP_NODELAY set.  Every wait is a poll() on the socket and, when one is
 * given, on a "watch" fd (the server's stdin): when the watch fd becomes
 * readable or hangs up, on_watch(arg) runs; it must consume what it was
 * woken for (read and queue the line) and returns nonzero to abort the
 * operation with NET_ECANCELED.  A watch with on_watch NULL cancels as
 * soon as the fd is readable.  Once the watch fd reports end of file,
 * on_watch is expected to return nonzero, or the wait would spin.
 *
 * Times are in milliseconds; a timeout <= 0 means no limit.  Name
 * resolution (getaddrinfo) blocks and is bounded only by the resolver's
 * own timeouts, not by the connect timeout.
 *
 * SIGPIPE is never raised: sends use MSG_NOSIGNAL.
 *
 * Errors: negative NET_E* codes, in the range -1..-19 so that they stay
 * distinct from TLS_E* and HTTP_E* when passed up unchanged.
 * net_strerror() gives a short reason without a trailing period.
 * Nothing here prints.
 */
#ifndef MCP_S3_NET_H
#define MCP_S3_NET_H

#include <stddef.h>
#include <stdint.h>

#define NET_ERESOLVE	-1	/* the host name did not resolve */
#define NET_EREFUSED	-2	/* every address refused the connection */
#define NET_ETIMEOUT	-3	/* the connect or idle deadline passed */
#define NET_ERESET	-4	/* the peer reset the connection */
#define NET_ECANCELED	-5	/* the watch callback asked to stop */
#define NET_EUNREACH	-6	/* network or host unreachable */
#define NET_EIO		-7	/* any other socket error */

/* Optional cancellation watch; fd -1 (or a NULL pointer) means none. */
struct net_watch {
	int	  fd;
	int	(*on_watch)(void *arg);
	void	 *arg;
};

/* Sets *dst to *src, or to no watch (fd -1) when src is NULL. */
void	net_watch_set(struct net_watch *dst, const struct net_watch *src);

/*
 * Resolves host (a name, an IPv4 literal or an IPv6 literal without
 * brackets), then tries each address in turn until one accepts, within
 * timeout_ms for all of them together.  On success *fd is the connected
 * socket, owned by the caller (net_close).
 */
int		 net_connect(const char *host, uint16_t port, int64_t timeout_ms,
		    const struct net_watch *, int *fd);

/*
 * Reads at most n bytes (n is capped at INT32_MAX), waiting up to
 * timeout_ms for the first byte.  Returns the count read (> 0), 0 at end
 * of file, or a negative NET_E*.  ACKs are immediate while it reads
 * (TCP_QUICKACK, re-armed each time, where the platform has it).
 */
int		 net_read(int fd, void *, size_t n, int64_t timeout_ms,
		    const struct net_watch *);

/*
 * Writes all n bytes; timeout_ms bounds each wait for the socket to
 * drain, not the whole write.  Returns 0 or a negative NET_E*.
 */
int		 net_write(int fd, const void *, size_t n, int64_t timeout_ms,
		    const struct net_watch *);

/*
 * 1 if an idle kept-alive socket looks usable: nothing to read and no
 * hang-up (a server that closed or sent anything unsolicited fails).
 */
int		 net_idle_ok(int fd);

/* Waits ms milliseconds, watching; 0 or NET_ECANCELED. */
int		 net_sleep(int64_t ms, const struct net_watch *);

/* Closes fd if >= 0; errors are ignored on purpose. */
void		 net_close(int fd);

const char	*net_strerror(int);

#endif
