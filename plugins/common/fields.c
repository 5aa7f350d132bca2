/*
 * fields.c - reading the CloudTrail members that outputs quote, and
 * eventTime as a number.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fields.h"

static const char *const field_keys[OC_NFIELDS] = {
	[OC_EVENT_ID] = "eventID",
	[OC_EVENT_SOURCE] = "eventSource",
	[OC_EVENT_NAME] = "eventName",
	[OC_EVENT_TIME] = "eventTime",
	[OC_ACCOUNT] = "recipientAccountId",
	[OC_REGION] = "awsRegion",
};

static ce_path *
field_compile(ce_instance *self, const struct ce_host *host, const char *key)
{
	char err[128] = "";
	ce_path *p = host->path_compile(key, strlen(key), err, sizeof(err));

	if (p == NULL)
		CE_ERROR(host, self, "%s: %s", key, err[0] ? err :
		    "out of memory");
	return p;
}

int
oc_fields_init(struct oc_fields *f, ce_instance *self,
    const struct ce_host *host)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->host = host;
	for (i = 0; i < OC_NFIELDS; i++)
		if ((f->path[i] = field_compile(self, host, field_keys[i])) == NULL)
			return -ENOMEM;
	f->identity_account = field_compile(self, host, "userIdentity.accountId");
	return f->identity_account != NULL ? 0 : -ENOMEM;
}

void
oc_fields_free(struct oc_fields *f)
{
	size_t i;

	if (f->host == NULL)
		return;
	for (i = 0; i < OC_NFIELDS; i++)
		if (f->path[i] != NULL)
			f->host->path_free(f->path[i]);
	if (f->identity_account != NULL)
		f->host->path_free(f->identity_account);
	memset(f, 0, sizeof(*f));
}

static const char *
field_string(const struct oc_fields *f, const ce_event *ev, ce_path *p,
    size_t *len)
{
	struct ce_value v = { .size = sizeof(v) };

	if (f->host->event_get(ev, p, &v) != CE_VALUE_STRING || v.len == 0)
		return NULL;
	*len = v.len;
	return v.str;
}

const char *
oc_fields_get(const struct oc_fields *f, const ce_event *ev,
    enum oc_field which, size_t *len)
{
	const char *s;

	*len = 0;
	if ((unsigned)which >= OC_NFIELDS)
		return NULL;
	s = field_string(f, ev, f->path[which], len);
	if (s == NULL && which == OC_ACCOUNT)
		s = field_string(f, ev, f->identity_account, len);
	return s;
}

/* n digits at *p as a number within [lo, hi]; advances *p. */
static int
time_num(const char **p, const char *end, int n, int lo, int hi, int *out)
{
	int v = 0, i;

	if (end - *p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*p += n;
	*out = v;
	return 0;
}

static int
time_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Z, or +hh:mm / +hhmm / -..., as seconds east of UTC. */
static int
time_offset(const char *p, const char *end, long *east)
{
	int sign, hh, mm;

	if (end - p == 1 && (*p == 'Z' || *p == 'z')) {
		*east = 0;
		return 0;
	}
	if (p >= end || (*p != '+' && *p != '-'))
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (time_num(&p, end, 2, 0, 23, &hh) < 0)
		return -1;
	if (p < end && *p == ':')
		p++;
	if (time_num(&p, end, 2, 0, 59, &mm) < 0 || p != end)
		return -1;
	*east = sign * (hh * 3600L + mm * 60L);
	return 0;
}

int
oc_time_parse(const char *s, size_t n, int64_t *epoch_s)
{
	const char *p = s, *end = s + n;
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec;
	long east;
	time_t t;

	if (time_num(&p, end, 4, 1970, 9999, &y) < 0 ||
	    time_char(&p, end, '-') < 0 ||
	    time_num(&p, end, 2, 1, 12, &mo) < 0 ||
	    time_char(&p, end, '-') < 0 ||
	    time_num(&p, end, 2, 1, 31, &d) < 0 ||
	    (time_char(&p, end, 'T') < 0 && time_char(&p, end, 't') < 0) ||
	    time_num(&p, end, 2, 0, 23, &h) < 0 ||
	    time_char(&p, end, ':') < 0 ||
	    time_num(&p, end, 2, 0, 59, &mi) < 0 ||
	    time_char(&p, end, ':') < 0 ||
	    time_num(&p, end, 2, 0, 60, &sec) < 0)
		return -EINVAL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (time_offset(p, end, &east) < 0)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -EINVAL;
	/* timegm() normalises 31 February into March: refuse it. */
	if (tm.tm_mday != d)
		return -EINVAL;
	*epoch_s = (int64_t)t - east;
	return 0;
}
