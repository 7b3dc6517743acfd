/*
 * test_ratelimit.c - the token buckets of MCP_S3_RATE_LIMIT and
 * MCP_S3_BYTE_LIMIT: what the specifications mean, bursts, refill, debt,
 * waits, and a simulated hour whose throughput must match the rate.
 */
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"
#include "unit.h"

static int
near(double a, double b)
{
	double d = a - b;

	return d < 1e-9 && d > -1e-9;
}

static void
test_parse_calls(void)
{
	static const struct {
		const char	*spec;
		int		 ok;
		double		 per_sec;
		double		 burst;
	} vec[] = {
		{ "10", 1, 10, 10 },
		{ "10/s", 1, 10, 10 },
		{ "5,20", 1, 5, 20 },
		{ "2/s,20", 1, 2, 20 },
		{ "30/m,5", 1, 0.5, 5 },
		{ "30/m", 1, 0.5, 1 },
		{ "120/min", 1, 2, 2 },
		{ "3600/h", 1, 1, 1 },
		{ "0.5", 1, 0.5, 1 },
		{ "1.5", 1, 1.5, 2 },
		{ "0.125,3", 1, 0.125, 3 },
		{ "", 0, 0, 0 },
		{ "-1", 0, 0, 0 },
		{ "0.0", 0, 0, 0 },
		{ "1.", 0, 0, 0 },
		{ ".5", 0, 0, 0 },
		{ "0.1234", 0, 0, 0 },
		{ "1e3", 0, 0, 0 },
		{ "10/d", 0, 0, 0 },
		{ "10/", 0, 0, 0 },
		{ "10,", 0, 0, 0 },
		{ "10,0", 0, 0, 0 },
		{ "10,1.5", 0, 0, 0 },
		{ "10,-3", 0, 0, 0 },
		{ "10,2,3", 0, 0, 0 },
		{ " 10", 0, 0, 0 },
		{ "10 ", 0, 0, 0 },
		{ "1000001", 0, 0, 0 },
		{ "1000000", 1, 1000000, 1000000 },
		{ "99999999999999999999999", 0, 0, 0 },
	};
	struct rate_bucket b;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		int rc;

		why[0] = '\0';
		rc = rate_parse_calls(vec[i].spec, &b, why, sizeof(why));
		CHECKF((rc == 0) == vec[i].ok, vec[i].spec);
		if (vec[i].ok) {
			CHECKF(b.on, vec[i].spec);
			CHECKF(near(b.per_ms * 1000, vec[i].per_sec),
			    vec[i].spec);
			CHECKF(near(b.burst, vec[i].burst), vec[i].spec);
			CHECKF(strcmp(b.spec, vec[i].spec) == 0, vec[i].spec);
		} else
			CHECKF(why[0] != '\0', vec[i].spec);
	}
	CHECK(rate_parse_calls("off", &b, why, sizeof(why)) == 0 && !b.on);
	CHECK(rate_parse_calls("0", &b, why, sizeof(why)) == 0 && !b.on);
}

static void
test_parse_bytes(void)
{
	struct rate_bucket b;
	char why[128];

	CHECK(rate_parse_bytes("60MiB", &b, why, sizeof(why)) == 0);
	CHECK(b.on && near(b.burst, 60.0 * 1024 * 1024));
	CHECK(near(b.per_ms * 60000, 60.0 * 1024 * 1024));
	CHECK(rate_parse_bytes("1KiB/s", &b, why, sizeof(why)) == 0);
	CHECK(near(b.burst, 1024) && near(b.per_ms, 1.024));
	CHECK(rate_parse_bytes("36KB/h", &b, why, sizeof(why)) == 0);
	CHECK(near(b.per_ms * 3600000, 36.0 * 1024));
	CHECK(rate_parse_bytes("500", &b, why, sizeof(why)) == 0);
	CHECK(near(b.burst, 500));
	CHECK(rate_parse_bytes("off", &b, why, sizeof(why)) == 0 && !b.on);
	CHECK(rate_parse_bytes("", &b, why, sizeof(why)) != 0);
	CHECK(rate_parse_bytes("10XB", &b, why, sizeof(why)) != 0);
	CHECK(rate_parse_bytes("10MB/week", &b, why, sizeof(why)) != 0);
	CHECK(rate_parse_bytes("-5MB", &b, why, sizeof(why)) != 0);
	CHECK(rate_parse_bytes("/m", &b, why, sizeof(why)) != 0);
	CHECK(rate_parse_bytes(
	    "1111111111111111111111111111111111111111111111MB", &b, why,
	    sizeof(why)) != 0);
}

static void
test_calls(void)
{
	struct rate_bucket b;
	char why[64];
	int64_t t = 1000000, w;
	int i, passed;

	/* 2 a second, bursts of 5: five at once, then one every 500 ms. */
	CHECK(rate_parse_calls("2,5", &b, why, sizeof(why)) == 0);
	rate_start(&b, t);
	for (i = 0; i < 5; i++)
		CHECK(rate_take(&b, 1, t) == 0);
	w = rate_take(&b, 1, t);
	CHECK(w == 500);
	CHECK(rate_take(&b, 1, t + 499) == 1);
	CHECK(rate_take(&b, 1, t + 500) == 0);
	CHECK(rate_take(&b, 1, t + 500) == 500);
	/* A long pause refills to the burst, no further. */
	t += 3600 * 1000;
	for (i = 0; i < 5; i++)
		CHECK(rate_take(&b, 1, t) == 0);
	CHECK(rate_take(&b, 1, t) > 0);
	/* A clock that goes back adds nothing and breaks nothing. */
	CHECK(rate_take(&b, 1, t - 10000) > 0);
	/* More than the burst can never pass. */
	CHECK(rate_wait(&b, 6, t + 100000) == -1);

	/* Throughput over a simulated minute, calls every 10 ms. */
	CHECK(rate_parse_calls("10,10", &b, why, sizeof(why)) == 0);
	t = 0;
	rate_start(&b, t);
	passed = 0;
	for (i = 0; i < 6000; i++, t += 10)
		if (rate_take(&b, 1, t) == 0)
			passed++;
	/* 10 of the burst plus 10 a second over 60 s (the last at 59.99). */
	CHECK(passed >= 10 + 599 && passed <= 10 + 600);

	/* Off: everything passes, nothing is counted. */
	CHECK(rate_parse_calls("off", &b, why, sizeof(why)) == 0);
	rate_start(&b, 0);
	for (i = 0; i < 1000; i++)
		CHECK(rate_take(&b, 1, 0) == 0);
}

static void
test_bytes(void)
{
	struct rate_bucket b;
	char why[64];
	int64_t t = 5;

	/* 60 KiB a minute = 1.024 bytes a millisecond, burst 60 KiB. */
	CHECK(rate_parse_bytes("60KiB", &b, why, sizeof(why)) == 0);
	rate_start(&b, t);
	CHECK(rate_wait(&b, 61440, t) == 0);
	CHECK(rate_wait(&b, 61441, t) == -1);
	/* A read of unknown size passes while not in debt, then is charged. */
	CHECK(rate_wait(&b, 1, t) == 0);
	rate_charge(&b, 100000, t);
	CHECK(b.tokens < 0);
	/* The debt (38,560 bytes) plus one byte takes 37,658 ms to earn. */
	CHECK(rate_wait(&b, 1, t) == 37658);
	CHECK(rate_wait(&b, 1, t + 37657) == 1);
	CHECK(rate_wait(&b, 1, t + 37658) == 0);
	/* A put of 1 KiB needs 1 KiB there. */
	CHECK(rate_take(&b, 1024, t + 37658) > 0);
	CHECK(rate_take(&b, 1024, t + 37658 + 1000) == 0);
}

int
main(void)
{
	test_parse_calls();
	test_parse_bytes();
	test_calls();
	test_bytes();
	return unit_done("test_ratelimit");
}
