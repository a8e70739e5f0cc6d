/* clock.c -- wall-clock time in Unix ms and ISO-8601. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static int64_t fixed_ms;

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	if (fixed_ms != 0)
		return fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_set_fixed(int64_t ms)
{
	fixed_ms = ms;
}

/* Days from civil (Howard Hinnant's algorithm), avoiding timegm's locale
 * and range quirks. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
iso8601_ms(char out[ISO8601_LEN + 1], int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int msec = (int)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	char tmp[80];

	y += m <= 2;
	/* Years outside 0000-9999 cannot be written in this form; clamp. */
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
	    (int)y, m % 13, d % 32, (int)(rem / 3600) % 24,
	    (int)(rem / 60 % 60), (int)(rem % 60), msec % 1000);
	memcpy(out, tmp, ISO8601_LEN);
	out[ISO8601_LEN] = '\0';
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
iso8601_parse_ext(const char *s, size_t len, unsigned flags, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, off = 0;
	static const int mdays[] = {31,29,31,30,31,30,31,31,30,31,30,31};
	size_t i;

	if (s == NULL || len < 10 || memchr(s, '\0', len) != NULL ||
	    digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (len == 10 && !(flags & ISO8601_DATE_ONLY))
		return -1;
	if (len > 10) {
		if (len < 20 || s[10] != 'T' || digits(s + 11, 2, &h) ||
		    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
		    digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 59)
			return -1;
		i = 19;
		if (s[i] == '.') {
			int nd = 0;

			/* 1-9 digits, truncated to ms. */
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++)
				if (nd < 3)
					frac = frac * 10 + (s[i] - '0');
			if (nd < 1 || nd > 9)
				return -1;
			for (; nd < 3; nd++)
				frac *= 10;
		}
		if (i + 1 == len && s[i] == 'Z')
			;
		else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
		    s[i + 3] == ':') {
			int oh, om;

			if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) ||
			    oh > 23 || om > 59)
				return -1;
			off = (oh * 60 + om) * 60000;
			if (s[i] == '-')
				off = -off;
			/* Without ISO8601_ANY_OFFSET only +00:00 is UTC enough. */
			if (!(flags & ISO8601_ANY_OFFSET) && (off != 0 || s[i] == '-'))
				return -1;
		} else
			return -1;
	}
	*ms = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 +
	    (int64_t)h * 3600000 + (int64_t)mi * 60000 + (int64_t)se * 1000 +
	    frac - off;
	return 0;
}

int
iso8601_parse(const char *s, int64_t *ms)
{
	return iso8601_parse_ext(s, strlen(s), 0, ms);
}
