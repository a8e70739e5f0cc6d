/* t/unit/clock.c -- lib/clock.c: Unix ms and ISO-8601 (00-overview.md §3). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static void
assert_iso(int64_t ms, const char *want)
{
	char out[ISO8601_LEN + 1];

	memset(out, 'X', sizeof(out));
	iso8601_ms(out, ms);
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), ISO8601_LEN);
}

static void
assert_parses(const char *s, int64_t want)
{
	int64_t ms = -12345;

	if (iso8601_parse(s, &ms) != 0)
		fail_msg("\"%s\" refused", s);
	if (ms != want)
		fail_msg("\"%s\" parsed as %lld, want %lld", s, (long long)ms,
		    (long long)want);
}

static void
assert_refused(const char *s)
{
	int64_t ms = -12345;

	if (iso8601_parse(s, &ms) != -1)
		fail_msg("\"%s\" accepted as %lld", s, (long long)ms);
	/* A refusal leaves the output alone. */
	assert_int_equal(ms, -12345);
}

/* ------------------------------------------------------------ rendering */

static void
iso_of_zero_is_epoch(void **state)
{
	assert_iso(0, "1970-01-01T00:00:00.000Z");
}

static void
iso_of_spec_example(void **state)
{
	assert_iso(1777658400000, "2026-05-01T18:00:00.000Z");
}

static void
iso_of_leap_day(void **state)
{
	assert_iso(1709210096789, "2024-02-29T12:34:56.789Z");
	assert_iso(951782400000, "2000-02-29T00:00:00.000Z");
	/* The day after a leap day is 1 March. */
	assert_iso(1709210096789 + 86400000, "2024-03-01T12:34:56.789Z");
}

static void
iso_of_end_of_year(void **state)
{
	assert_iso(1767225599999, "2025-12-31T23:59:59.999Z");
	assert_iso(1767225600000, "2026-01-01T00:00:00.000Z");
}

static void
iso_of_end_of_32_bit_time(void **state)
{
	assert_iso(2147483647000, "2038-01-19T03:14:07.000Z");
	assert_iso(2147483648000, "2038-01-19T03:14:08.000Z");
}

static void
iso_of_last_ms_of_year_9999(void **state)
{
	assert_iso(253402300799999, "9999-12-31T23:59:59.999Z");
}

static void
iso_milliseconds_truncated_not_rounded(void **state)
{
	assert_iso(1, "1970-01-01T00:00:00.001Z");
	assert_iso(999, "1970-01-01T00:00:00.999Z");
	assert_iso(1000, "1970-01-01T00:00:01.000Z");
	assert_iso(1999, "1970-01-01T00:00:01.999Z");
	assert_iso(1777658400500, "2026-05-01T18:00:00.500Z");
}

static void
iso_of_negative_ms_before_epoch(void **state)
{
	assert_iso(-1, "1969-12-31T23:59:59.999Z");
	assert_iso(-1000, "1969-12-31T23:59:59.000Z");
	assert_iso(-86400000, "1969-12-31T00:00:00.000Z");
}

/* -------------------------------------------------------------- parsing */

static void
parse_accepts_z(void **state)
{
	assert_parses("2026-05-01T18:00:00.000Z", 1777658400000);
	assert_parses("1970-01-01T00:00:00.000Z", 0);
}

static void
parse_accepts_plus_zero_offset(void **state)
{
	assert_parses("2026-05-01T18:00:00.000+00:00", 1777658400000);
	assert_parses("2026-05-01T18:00:00+00:00", 1777658400000);
}

static void
parse_accepts_no_fraction(void **state)
{
	assert_parses("2026-05-01T18:00:00Z", 1777658400000);
}

static void
parse_fraction_of_one_to_nine_digits(void **state)
{
	int64_t base = 1777658400000;

	assert_parses("2026-05-01T18:00:00.5Z", base + 500);
	assert_parses("2026-05-01T18:00:00.12Z", base + 120);
	assert_parses("2026-05-01T18:00:00.123Z", base + 123);
	assert_parses("2026-05-01T18:00:00.1234Z", base + 123);
	assert_parses("2026-05-01T18:00:00.123456Z", base + 123);
	assert_parses("2026-05-01T18:00:00.123456789Z", base + 123);
}

static void
parse_fraction_truncated_not_rounded(void **state)
{
	assert_parses("2026-05-01T18:00:00.9999Z", 1777658400999);
	assert_parses("2026-05-01T18:00:00.999999999Z", 1777658400999);
}

static void
parse_refuses_empty_or_long_fraction(void **state)
{
	assert_refused("2026-05-01T18:00:00.Z");
	assert_refused("2026-05-01T18:00:00.1234567890Z");
}

static void
parse_accepts_leap_days(void **state)
{
	assert_parses("2024-02-29T12:34:56.789Z", 1709210096789);
	assert_parses("2000-02-29T00:00:00.000Z", 951782400000);
}

static void
parse_refuses_february_30(void **state)
{
	assert_refused("2026-02-30T00:00:00.000Z");
	assert_refused("2024-02-30T00:00:00.000Z");
}

static void
parse_refuses_february_29_of_common_year(void **state)
{
	assert_refused("2025-02-29T00:00:00.000Z");
	assert_refused("1900-02-29T00:00:00.000Z");   /* century, not /400 */
}

static void
parse_refuses_days_past_month_end(void **state)
{
	assert_refused("2026-04-31T00:00:00.000Z");
	assert_refused("2026-01-32T00:00:00.000Z");
	assert_refused("2026-01-00T00:00:00.000Z");
	assert_refused("2026-00-01T00:00:00.000Z");
	assert_refused("2026-13-01T00:00:00.000Z");
	assert_parses("2026-12-31T00:00:00.000Z", 1798675200000);
}

static void
parse_refuses_hour_24(void **state)
{
	assert_refused("2026-05-01T24:00:00.000Z");
}

static void
parse_refuses_minute_and_second_60(void **state)
{
	assert_refused("2026-05-01T18:60:00.000Z");
	assert_refused("2026-05-01T18:00:60.000Z");
}

static void
parse_refuses_missing_z(void **state)
{
	assert_refused("2026-05-01T18:00:00.000");
	assert_refused("2026-05-01T18:00:00");
}

static void
parse_refuses_other_offsets(void **state)
{
	assert_refused("2026-05-01T18:00:00.000+01:00");
	assert_refused("2026-05-01T18:00:00.000-00:00");
	assert_refused("2026-05-01T18:00:00.000+0000");
	assert_refused("2026-05-01T18:00:00.000z");
}

static void
parse_refuses_trailing_garbage(void **state)
{
	assert_refused("2026-05-01T18:00:00.000Zx");
	assert_refused("2026-05-01T18:00:00.000Z ");
	assert_refused("2026-05-01T18:00:00.000ZZ");
	assert_refused("2026-05-01T18:00:00.000+00:00Z");
}

static void
parse_refuses_loose_forms(void **state)
{
	assert_refused("");
	assert_refused(" 2026-05-01T18:00:00.000Z");
	assert_refused("2026-05-01 18:00:00.000Z");
	assert_refused("2026-05-01t18:00:00.000Z");
	assert_refused("2026-5-01T18:00:00.000Z");
	assert_refused("2026-05-01T8:00:00.000Z");
	assert_refused("26-05-01T18:00:00.000Z");
	assert_refused("+2026-05-01T18:00:00Z");
	assert_refused("2026-05-01T18:00:0-.000Z");
	assert_refused("2026/05/01T18:00:00.000Z");
	assert_refused("2026-05-01T18:00:00,000Z");
	assert_refused("2026-05-01");
}

static int64_t
ext(const char *s, unsigned flags)
{
	int64_t ms = -42;

	return iso8601_parse_ext(s, strlen(s), flags, &ms) == 0 ? ms : -1;
}

/* 03-public.md §3.11 from/to: a date alone is its 00:00 UTC, any offset
 * is applied; without the flags the same strings are refused. */
static void
parse_ext_date_only_and_offsets(void **state)
{
	const unsigned all = ISO8601_DATE_ONLY | ISO8601_ANY_OFFSET;

	(void)state;
	assert_true(ext("2026-05-01", all) == INT64_C(1777593600000));
	assert_true(ext("2026-05-01", ISO8601_ANY_OFFSET) == -1);
	assert_true(ext("2026-05-01T02:00:00+02:00", all) ==
	    INT64_C(1777593600000));
	assert_true(ext("2026-04-30T22:30:00.5-01:30", all) ==
	    INT64_C(1777593600500));
	assert_true(ext("2026-05-01T02:00:00+02:00", ISO8601_DATE_ONLY) == -1);
	assert_true(ext("2026-05-01T00:00:00.123456789Z", all) ==
	    INT64_C(1777593600123));
	assert_true(ext("2026-05-01T00:00:00+24:00", all) == -1);
	assert_true(ext("2026-05-01T00:00:00+02:60", all) == -1);
	assert_true(ext("2026-05-01T00:00:00.", all) == -1);
	assert_true(ext("2026-05-0", all) == -1);
	assert_true(ext("2026-02-29", all) == -1);
	/* Length-bounded: what follows len is not read. */
	assert_true(iso8601_parse_ext("2026-05-01Zjunk", 10, all,
	    &(int64_t){ 0 }) == 0);
}

/* The parse of a rendering is the value rendered, for any ms from 1970 to
 * the end of 9999. */
static void
round_trip_over_random_ms(void **state)
{
	char out[ISO8601_LEN + 1];
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	const int64_t max = 253402300799999;

	for (int i = 0; i < 100000; i++) {
		int64_t ms, back = -1;

		/* xorshift64: deterministic, covers the range evenly. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ms = (int64_t)(x % (uint64_t)(max + 1));
		iso8601_ms(out, ms);
		if (iso8601_parse(out, &back) != 0 || back != ms)
			fail_msg("%lld -> %s -> %lld", (long long)ms, out,
			    (long long)back);
	}
}

static void
round_trip_over_every_day_boundary_of_a_leap_year(void **state)
{
	char out[ISO8601_LEN + 1];
	int64_t start = 1704067200000;   /* 2024-01-01T00:00:00.000Z */

	for (int d = 0; d <= 366; d++) {
		int64_t ms = start + (int64_t)d * 86400000, back;

		for (int64_t off = -1; off <= 0; off++) {
			iso8601_ms(out, ms + off);
			assert_int_equal(iso8601_parse(out, &back), 0);
			assert_int_equal(back, ms + off);
		}
	}
	iso8601_ms(out, start + 366LL * 86400000);
	assert_string_equal(out, "2025-01-01T00:00:00.000Z");
}

/* ---------------------------------------------------------------- clock */

static void
fixed_clock_returns_fixed_value(void **state)
{
	clock_set_fixed(1777658400000);
	assert_int_equal(clock_now_ms(), 1777658400000);
	assert_int_equal(clock_now_ms(), 1777658400000);
	clock_set_fixed(0);
}

static void
fixed_zero_restores_real_clock(void **state)
{
	int64_t now;

	clock_set_fixed(42);
	clock_set_fixed(0);
	now = clock_now_ms();
	assert_true(now > 1700000000000);
	assert_true(llabs(now - (int64_t)time(NULL) * 1000) < 5000);
}

static void
real_clock_does_not_go_backwards(void **state)
{
	int64_t a = clock_now_ms(), b = clock_now_ms();

	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso_of_zero_is_epoch),
		cmocka_unit_test(iso_of_spec_example),
		cmocka_unit_test(iso_of_leap_day),
		cmocka_unit_test(iso_of_end_of_year),
		cmocka_unit_test(iso_of_end_of_32_bit_time),
		cmocka_unit_test(iso_of_last_ms_of_year_9999),
		cmocka_unit_test(iso_milliseconds_truncated_not_rounded),
		cmocka_unit_test(iso_of_negative_ms_before_epoch),
		cmocka_unit_test(parse_accepts_z),
		cmocka_unit_test(parse_accepts_plus_zero_offset),
		cmocka_unit_test(parse_accepts_no_fraction),
		cmocka_unit_test(parse_fraction_of_one_to_nine_digits),
		cmocka_unit_test(parse_fraction_truncated_not_rounded),
		cmocka_unit_test(parse_refuses_empty_or_long_fraction),
		cmocka_unit_test(parse_accepts_leap_days),
		cmocka_unit_test(parse_refuses_february_30),
		cmocka_unit_test(parse_refuses_february_29_of_common_year),
		cmocka_unit_test(parse_refuses_days_past_month_end),
		cmocka_unit_test(parse_refuses_hour_24),
		cmocka_unit_test(parse_refuses_minute_and_second_60),
		cmocka_unit_test(parse_refuses_missing_z),
		cmocka_unit_test(parse_refuses_other_offsets),
		cmocka_unit_test(parse_refuses_trailing_garbage),
		cmocka_unit_test(parse_refuses_loose_forms),
		cmocka_unit_test(round_trip_over_random_ms),
		cmocka_unit_test(round_trip_over_every_day_boundary_of_a_leap_year),
		cmocka_unit_test(parse_ext_date_only_and_offsets),
		cmocka_unit_test(fixed_clock_returns_fixed_value),
		cmocka_unit_test(fixed_zero_restores_real_clock),
		cmocka_unit_test(real_clock_does_not_go_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
