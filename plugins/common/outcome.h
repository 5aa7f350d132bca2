/*
 * outcome.h - what the result of an HTTP request means for a delivery:
 * OK, RETRY (after the server's delay) or FAIL.
 *
 * Part of plugins/common.  Pure functions of their arguments, so the unit
 * tests pin the whole policy down:
 *
 *   no answer: timeouts, refused or dropped connections, DNS, TLS
 *     handshake and I/O errors              RETRY
 *   no answer because the request can never work: malformed URL,
 *     unsupported scheme, certificate verification, unreadable CA
 *     bundle                                FAIL
 *   2xx                                     OK
 *   408, 425, 429, 5xx                      RETRY
 *   other 1xx, 3xx (redirects are never followed: credentials would go
 *     along) and 4xx                        FAIL
 */
#ifndef OC_OUTCOME_H
#define OC_OUTCOME_H

#include <stdint.h>
#include <time.h>

#include "cloudengine/plugin.h"

/* The longest delay a server may ask for; beyond it the core's retry
 * budget gives up anyway. */
#define OC_RETRY_AFTER_MAX_MS	(24 * 3600 * 1000LL)

/* curl_code: the CURLcode of the transfer (0 when an answer arrived);
 * http_status: the answer's status (ignored unless curl_code is 0). */
enum ce_delivery_status oc_outcome_status(int curl_code, long http_status);

/* A Retry-After value, delta-seconds or an HTTP-date, as milliseconds
 * from now (a date in the past is 0); -1 when it is neither. */
int64_t	oc_retry_after_ms(const char *value, time_t now);

/* An X-RateLimit-Reset value: seconds until the limit resets (Datadog),
 * or, when it is that large, the epoch second at which it resets; -1
 * when it is not a number. */
int64_t	oc_ratelimit_reset_ms(const char *value, time_t now);

#endif /* OC_OUTCOME_H */
