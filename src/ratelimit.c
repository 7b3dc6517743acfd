/*
 * ratelimit.c - token buckets for calls and bytes; see ratelimit.h.
 */
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"
#include "util.h"

static void
why_set(char *why, size_t whylen, const char *s)
{
	if (whylen > 0)
		snprintf(why, whylen, "%s", s);
}

/*
 * Splits "X/s", "X/m", "X/h" (also /sec, /min, /hour): copies X into
 * head and returns the period in seconds, def when none; -1 if the part
 * after '/' is not a period or X does not fit.
 */
static double
split_period(const char *s, size_t n, char *head, size_t headlen, double def)
{
	const char *slash = memchr(s, '/', n);
	size_t hn = slash != NULL ? (size_t)(slash - s) : n;
	const char *p;
	size_t pn;

	if (hn + 1 > headlen)
		return -1;
	memcpy(head, s, hn);
	head[hn] = '\0';
	if (slash == NULL)
		return def;
	p = slash + 1;
	pn = n - hn - 1;
#define IS(w)	(pn == sizeof(w) - 1 && memcmp(p, w, pn) == 0)
	if (IS("s") || IS("sec") || IS("second"))
		return 1;
	if (IS("m") || IS("min") || IS("minute"))
		return 60;
	if (IS("h") || IS("hour"))
		return 3600;
#undef IS
	return -1;
}

/* A positive decimal with at most 3 decimals, up to max; -1 if not. */
static double
parse_decimal(const char *s, double max)
{
	double v = 0, scale = 1;
	int digits = 0, decimals = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && decimals < 0 && digits > 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		if (decimals >= 0) {
			if (++decimals > 3)
				return -1;
			scale /= 10;
			v += (*s - '0') * scale;
		} else {
			v = v * 10 + (*s - '0');
			if (v > max)
				return -1;
		}
		digits++;
	}
	if (digits == 0 || decimals == 0 || v <= 0 || v > max)
		return -1;
	return v;
}

/* Rounded up to a whole number (x >= 0, well inside int64_t). */
static double
up(double x)
{
	double w = (double)(int64_t)x;

	return w < x ? w + 1 : w;
}

static int
is_off(const char *s)
{
	return strcmp(s, "off") == 0 || strcmp(s, "0") == 0;
}

/* see ratelimit.h */
int
rate_parse_calls(const char *s, struct rate_bucket *b, char *why,
    size_t whylen)
{
	char head[32] = "";
	const char *comma;
	double rate, period, burst, per_sec;
	size_t n;

	memset(b, 0, sizeof(*b));
	if (is_off(s))
		return 0;
	comma = strchr(s, ',');
	n = comma != NULL ? (size_t)(comma - s) : strlen(s);
	if ((period = split_period(s, n, head, sizeof(head), 1)) < 0) {
		why_set(why, whylen, "the period after '/' must be s, m or h");
		return -1;
	}
	if ((rate = parse_decimal(head, RATE_MAX_CALLS)) < 0) {
		why_set(why, whylen, "the rate must be a positive number "
		    "(at most 3 decimals)");
		return -1;
	}
	per_sec = rate / period;
	burst = up(per_sec);
	if (burst < 1)
		burst = 1;
	if (comma != NULL) {
		burst = parse_decimal(comma + 1, RATE_MAX_CALLS);
		if (burst < 1 || burst != up(burst)) {
			why_set(why, whylen, "the burst after ',' must be a "
			    "whole number of calls, at least 1");
			return -1;
		}
	}
	b->on = 1;
	b->per_ms = per_sec / 1000;
	b->burst = burst;
	snprintf(b->spec, sizeof(b->spec), "%s", s);
	return 0;
}

/* see ratelimit.h */
int
rate_parse_bytes(const char *s, struct rate_bucket *b, char *why,
    size_t whylen)
{
	char head[40];
	double period;
	uint64_t size;

	memset(b, 0, sizeof(*b));
	if (is_off(s))
		return 0;
	if ((period = split_period(s, strlen(s), head, sizeof(head), 60)) <
	    0) {
		why_set(why, whylen, "the period after '/' must be s, m or h");
		return -1;
	}
	if (util_parse_size(head, &size) != 0 || size == 0) {
		why_set(why, whylen, "the amount must be a positive size such "
		    "as 100MB or 1GiB");
		return -1;
	}
	b->on = 1;
	b->burst = (double)size;
	b->per_ms = (double)size / (period * 1000);
	snprintf(b->spec, sizeof(b->spec), "%s", s);
	return 0;
}

/* see ratelimit.h */
void
rate_start(struct rate_bucket *b, int64_t now_ms)
{
	b->tokens = b->burst;
	b->last_ms = now_ms;
}

static void
refill(struct rate_bucket *b, int64_t now_ms)
{
	/* A clock that went back (it should not) adds nothing. */
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->per_ms;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
}

/* see ratelimit.h */
int64_t
rate_wait(struct rate_bucket *b, double n, int64_t now_ms)
{
	double ms;

	if (!b->on)
		return 0;
	if (n > b->burst)
		return -1;
	refill(b, now_ms);
	if (b->tokens >= n)
		return 0;
	/* Less a hair, so that float noise never adds a millisecond. */
	ms = up((n - b->tokens) / b->per_ms - 1e-6);
	return ms < 1 ? 1 : (int64_t)ms;
}

/* see ratelimit.h */
int64_t
rate_take(struct rate_bucket *b, double n, int64_t now_ms)
{
	int64_t w = rate_wait(b, n, now_ms);

	if (w == 0 && b->on)
		b->tokens -= n;
	return w;
}

/* see ratelimit.h */
void
rate_charge(struct rate_bucket *b, double n, int64_t now_ms)
{
	if (!b->on)
		return;
	refill(b, now_ms);
	b->tokens -= n;
}
