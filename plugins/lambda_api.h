/*
 * lambda_api.h - a client for the AWS Lambda Runtime API (2018-06-01):
 * wait for the next invocation, answer it, report an init failure.
 */
#ifndef CE_LAMBDA_API_H
#define CE_LAMBDA_API_H

#include <stddef.h>
#include <stdint.h>

struct lambda_api;

/* One invocation as GET /runtime/invocation/next handed it out. */
struct lambda_next {
	char	 request_id[128];	/* Lambda-Runtime-Aws-Request-Id */
	char	 trace_id[1024];	/* Lambda-Runtime-Trace-Id, "" when absent */
	int64_t	 deadline_ms;		/* Lambda-Runtime-Deadline-Ms, 0 when absent */
	char	*payload;		/* NUL-terminated; lambda_next_clear() frees */
	size_t	 len;
};

/*
 * endpoint is "host:port" with no scheme, as in AWS_LAMBDA_RUNTIME_API.
 * Bodies of /next larger than max_payload are refused (-EFBIG from
 * lambda_api_next()).  Returns 0, -EINVAL (endpoint malformed) or -ENOMEM,
 * with the reason in err.
 */
int	lambda_api_new(struct lambda_api **out, const char *endpoint,
	    size_t max_payload, char *err, size_t errlen);
void	lambda_api_free(struct lambda_api *api);

/* Check an endpoint's form ("host:port", no scheme, no path). */
int	lambda_api_endpoint_ok(const char *endpoint, char *err, size_t errlen);

/*
 * Wait, with no time limit and through no proxy, for the next invocation.
 * Returns 0; -EINTR once lambda_api_interrupt() was called; -EFBIG when
 * the payload was too large (next->request_id is then set, so the
 * invocation can still be failed); -EIO when the Runtime API cannot be
 * reached after a few attempts; -EPROTO when it answered anything but 200
 * (the container is to exit).  The reason is in err.
 */
int	lambda_api_next(struct lambda_api *api, struct lambda_next *next,
	    char *err, size_t errlen);
void	lambda_next_clear(struct lambda_next *next);

/* Make a pending or later lambda_api_next() return -EINTR.  Any thread;
 * answers (respond, fail) are not interrupted. */
void	lambda_api_interrupt(struct lambda_api *api);

/*
 * POST /runtime/invocation/ID/response with body (JSON).  Returns 0 on a
 * 2xx; -EPROTO on a refusal (4xx, e.g. an id already answered), -EIO on a
 * transport failure or a 5xx; the reason in err.
 */
int	lambda_api_respond(struct lambda_api *api, const char *request_id,
	    const char *body, size_t len, char *err, size_t errlen);

/*
 * POST /runtime/invocation/ID/error, or /runtime/init/error when
 * request_id is NULL, with the Lambda-Runtime-Function-Error-Type header
 * and {"errorMessage", "errorType", "stackTrace": []}.  Returns as
 * lambda_api_respond().
 */
int	lambda_api_fail(struct lambda_api *api, const char *request_id,
	    const char *error_type, const char *message, char *err,
	    size_t errlen);

/* {"errorMessage":message,"errorType":type,"stackTrace":[]}, malloc'd
 * (NULL when out of memory). */
char	*lambda_error_json(const char *error_type, const char *message,
	    size_t *len);

#endif /* CE_LAMBDA_API_H */
