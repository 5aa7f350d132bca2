/*
 * http.h - the HTTP client shared by the output plugins: one reused
 * libcurl handle per instance, TLS always verified, timeouts, proxy, and
 * results turned into host->complete() calls that never carry a secret.
 *
 * Part of plugins/common, a convenience library linked into each output
 * plugin (its symbols stay hidden: the plugin still exports only
 * cloudengine_plugin).  A typical output:
 *
 *	struct my_conf {
 *		const char		*api_key;
 *		struct oc_http_conf	 http;
 *	};
 *	static const struct ce_option my_options[] = {
 *		{ CE_OPTION_HEADER, .name = "api_key", ... },
 *		OC_HTTP_OPTIONS(struct my_conf, http,
 *		    "base URL of the API (default: https://api.example.com)"),
 *		CE_OPTIONS_END
 *	};
 *
 *	init():    oc_http_new(self, host, &conf.http, "cloudengine-my/1.0", &h);
 *	           oc_http_secret(h, conf.api_key);
 *	           oc_http_check_url(h, url);
 *	deliver(): build the body, then
 *	           oc_http_deliver(h, d, url, headers, body, len,
 *	               alert->deadline_ms);
 *	destroy(): oc_http_free(h);
 *
 * Threads: a client is used by one thread at a time (the instance's
 * dispatch thread: the host calls deliver() one at a time).  Requests are
 * synchronous; the connection stays open between them (keep-alive).
 */
#ifndef OC_HTTP_H
#define OC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "cloudengine/plugin.h"
#include "fields.h"
#include "outcome.h"

/* Options every HTTP output has; embed this in the plugin's conf struct
 * and list OC_HTTP_OPTIONS() in its option table. */
struct oc_http_conf {
	const char	*endpoint;	/* base URL override; NULL = the plugin's */
	const char	*ca_bundle;	/* file or directory; NULL = probed */
	const char	*proxy;		/* NULL = libcurl's *_proxy variables,
					 * "" = none */
	int64_t		 connect_timeout_ms;
	int64_t		 timeout_ms;
};

#define OC_HTTP_OPTIONS(ctype, cmember, endpoint_help)			\
	{ CE_OPTION_HEADER, .name = "endpoint", .type = CE_OPT_STRING,	\
	  .offset = offsetof(ctype, cmember.endpoint),			\
	  .help = (endpoint_help) },					\
	{ CE_OPTION_HEADER, .name = "ca_bundle", .type = CE_OPT_STRING,	\
	  .flags = CE_OPT_PATH,						\
	  .offset = offsetof(ctype, cmember.ca_bundle),			\
	  .help = "CA certificates (PEM file, or hashed directory) that "	\
	  "verify the server; default: $SSL_CERT_FILE, $CURL_CA_BUNDLE, "	\
	  "then the system bundle" },					\
	{ CE_OPTION_HEADER, .name = "proxy", .type = CE_OPT_SECRET,	\
	  .offset = offsetof(ctype, cmember.proxy),			\
	  .help = "proxy URL (may hold credentials, never shown), \"\" "	\
	  "for none; default: $https_proxy/$http_proxy/$all_proxy, "	\
	  "minus $no_proxy" },						\
	{ CE_OPTION_HEADER, .name = "connect_timeout_ms",		\
	  .type = CE_OPT_INTEGER, .def = "5000",			\
	  .offset = offsetof(ctype, cmember.connect_timeout_ms),		\
	  .min = 1, .max = 600000,					\
	  .help = "milliseconds allowed to open a connection" },	\
	{ CE_OPTION_HEADER, .name = "timeout_ms", .type = CE_OPT_INTEGER, \
	  .def = "15000", .offset = offsetof(ctype, cmember.timeout_ms),	\
	  .min = 1, .max = 3600000,					\
	  .help = "milliseconds allowed for a whole request; a slower "	\
	  "answer is retried" }

/* How much of an answer's body is kept (the rest is read and dropped). */
#define OC_HTTP_BODY_MAX	65536

struct oc_http;

/* What one request got.  Owned by the caller; body points into the
 * client and is valid until its next request. */
struct oc_http_response {
	int		 curl_code;	/* CURLcode; 0 when an answer arrived */
	long		 status;	/* the answer's HTTP status, else 0 */
	const char	*body;		/* first OC_HTTP_BODY_MAX bytes */
	size_t		 body_len;
	int64_t		 retry_after_ms; /* Retry-After, else X-RateLimit-Reset;
					 * -1 when the answer asked nothing */
	int64_t		 elapsed_ms;
	char		 error[CURL_ERROR_SIZE]; /* no answer: why (no secret) */
};

/* A delivery's fate, ready for host->complete(). */
struct oc_outcome {
	enum ce_delivery_status	 status;
	int64_t			 retry_after_ms;	/* 0 = the core's backoff */
	char			 reason[1600];	/* "" when OK; never a secret */
};

/*
 * Create the client from its options (read them with conf_apply first):
 * resolves the CA bundle, sets the proxy and timeouts.  user_agent names
 * the plugin ("cloudengine-datadog/1.0.0").  Logs the reason and returns
 * -EINVAL (bad option) or -ENOMEM.  Main thread, from init().
 */
int	oc_http_new(ce_instance *self, const struct ce_host *host,
	    const struct oc_http_conf *conf, const char *user_agent,
	    struct oc_http **out);
void	oc_http_free(struct oc_http *h);

/*
 * What every HTTP output does in init() once its options are applied:
 * compile the record fields it quotes, create the client (oc_http_new)
 * and register secret (NULL or "": none) with oc_http_secret().  Logs the
 * reason and returns -EINVAL or -ENOMEM; on failure the caller still
 * frees *fields and *http (both safe to free in any state).
 */
int	oc_http_output_open(ce_instance *self, const struct ce_host *host,
	    const struct oc_http_conf *conf, const char *user_agent,
	    const char *secret, struct oc_fields *fields,
	    struct oc_http **http);

/*
 * Remember a secret (API key, routing key, signing key) so that it is
 * replaced by "<redacted>" in every reason and log line the client writes,
 * even when a server echoes it back.  Secrets shorter than 4 bytes are
 * not searched for.  0 or -ENOMEM.
 */
int	oc_http_secret(struct oc_http *h, const char *secret);

/* Check a URL the plugin will post to: http or https, with a host.  Logs
 * a warning for plain http to anything but a loopback address (the
 * credentials would travel in clear).  0 or -EINVAL (logged). */
int	oc_http_check_url(struct oc_http *h, const char *url);

/* base (no trailing '/' needed) + path, malloc'd; NULL when out of memory. */
char	*oc_http_join(const char *base, const char *path);

/* The libcurl handle, to add options that hold for every request (e.g.
 * CURLOPT_AWS_SIGV4).  Do not change the write, header or TLS options. */
CURL	*oc_http_curl(struct oc_http *h);

/*
 * POST body[0..len) to url with headers (NULL-terminated "Name: value"
 * strings, copied; may be NULL; add "Expect:" to skip the 100-continue
 * round trip, except on SigV4-signed requests).  The timeout is the
 * smaller of timeout_ms and what is left until deadline_ms (epoch ms, 0 =
 * none); past the deadline nothing is sent.  Returns 0 when an answer
 * arrived (whatever its status), -EIO when none did (r->error says why).
 */
int	oc_http_post(struct oc_http *h, const char *url,
	    const char *const *headers, const void *body, size_t len,
	    int64_t deadline_ms, struct oc_http_response *r);

/* Classify a response (see outcome.h) and write the reason: the curl
 * error, or the status with an excerpt of the body (one line, valid
 * UTF-8, secrets redacted). */
void	oc_http_outcome(struct oc_http *h, const struct oc_http_response *r,
	    struct oc_outcome *o);

/* oc_http_post() + oc_http_outcome() + host->complete(d, ...). */
void	oc_http_deliver(struct oc_http *h, ce_delivery *d, const char *url,
	    const char *const *headers, const void *body, size_t len,
	    int64_t deadline_ms);

#endif /* OC_HTTP_H */
