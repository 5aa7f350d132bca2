/*
 * date.c - Drools rule dates ("4-Sep-2018") to Unix time.
 */
#include <string.h>
#include <strings.h>

#include "date.h"

static const char *const months[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};

/* Read 1..max digits; -1 if none. */
static int
read_int(const char **p, const char *end, int max, int *out)
{
	int n = 0, v = 0;

	while (*p < end && n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

static int
read_month(const char **p, const char *end, int *out)
{
	const char *start = *p;
	size_t n;
	int i;

	while (*p < end && ((**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z')))
		(*p)++;
	n = (size_t)(*p - start);
	for (i = 0; i < 12; i++) {
		if ((n == 3 || n == strlen(months[i])) &&
		    strncasecmp(start, months[i], n) == 0) {
			*out = i + 1;
			return 0;
		}
	}
	return -1;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
drl_date_parse(const char *s, size_t len, int64_t *out)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s, *end = s + len;
	int d, m, y, hh = 0, mm = 0, ss = 0, dim;

	if (read_int(&p, end, 2, &d) < 0 || p >= end || *p++ != '-')
		return -1;
	if (read_month(&p, end, &m) < 0 || p >= end || *p++ != '-')
		return -1;
	if (read_int(&p, end, 4, &y) < 0 || y < 1000)
		return -1;
	if (p < end) {
		if (*p++ != ' ' || read_int(&p, end, 2, &hh) < 0 ||
		    p >= end || *p++ != ':' || read_int(&p, end, 2, &mm) < 0)
			return -1;
		if (p < end && (*p++ != ':' || read_int(&p, end, 2, &ss) < 0))
			return -1;
		if (p != end || hh > 23 || mm > 59 || ss > 59)
			return -1;
	}
	dim = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d < 1 || d > dim)
		return -1;
	*out = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}
