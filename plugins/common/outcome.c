/*
 * outcome.c - the retry policy of the HTTP outputs: which results are
 * worth another try, and how long the server asked us to wait.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <curl/curl.h>

#include "outcome.h"

/* Transfers that failed for a reason no retry can fix: the request or
 * the configuration is wrong. */
static int
curl_code_permanent(int code)
{
	switch (code) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_FUNCTION_NOT_FOUND:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SETOPT_OPTION_SYNTAX:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return 1;
	default:
		return 0;
	}
}

enum ce_delivery_status
oc_outcome_status(int curl_code, long http_status)
{
	if (curl_code != CURLE_OK)
		return curl_code_permanent(curl_code) ? CE_DELIVERY_FAIL :
		    CE_DELIVERY_RETRY;
	if (http_status >= 200 && http_status < 300)
		return CE_DELIVERY_OK;
	/* 408 Request Timeout and 425 Too Early invite a new attempt. */
	if (http_status == 408 || http_status == 425 || http_status == 429 ||
	    (http_status >= 500 && http_status < 600))
		return CE_DELIVERY_RETRY;
	return CE_DELIVERY_FAIL;
}

/* s without leading and trailing blanks, as [*start, *start + *len). */
static void
trim(const char *s, const char **start, size_t *len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	*start = s;
	*len = n;
}

/* A run of digits as a number of seconds, saturated; -1 when s is not
 * only digits. */
static int64_t
parse_seconds(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (v < INT64_MAX / 10 - 10)
			v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int64_t
clamp_ms(int64_t seconds)
{
	if (seconds <= 0)
		return 0;
	if (seconds >= OC_RETRY_AFTER_MAX_MS / 1000)
		return OC_RETRY_AFTER_MAX_MS;
	return seconds * 1000;
}

int64_t
oc_retry_after_ms(const char *value, time_t now)
{
	char date[128];
	const char *s;
	size_t n;
	int64_t secs;
	time_t when;

	if (value == NULL)
		return -1;
	trim(value, &s, &n);
	if ((secs = parse_seconds(s, n)) >= 0)
		return clamp_ms(secs);
	if (n == 0 || n >= sizeof(date) || !isalpha((unsigned char)s[0]))
		return -1;
	/* An HTTP-date always starts with the day's name; curl_getdate()
	 * reads the three formats RFC 9110 allows. */
	memcpy(date, s, n);
	date[n] = '\0';
	if ((when = curl_getdate(date, NULL)) == -1)
		return -1;
	return clamp_ms((int64_t)when - (int64_t)now);
}

int64_t
oc_ratelimit_reset_ms(const char *value, time_t now)
{
	const char *s;
	size_t n;
	int64_t secs;

	if (value == NULL)
		return -1;
	trim(value, &s, &n);
	if ((secs = parse_seconds(s, n)) < 0)
		return -1;
	/* No rate-limit period lasts 30 years: this is an epoch time. */
	if (secs > 1000000000)
		secs -= (int64_t)now;
	return clamp_ms(secs);
}
