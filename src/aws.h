/*
 * aws.h - AWS plumbing shared by every plugin, done once in the core:
 * the credential chain, region and endpoint resolution, S3 GetObject as a
 * stream, and the Lambda init-error report.
 */
#ifndef CE_AWS_H
#define CE_AWS_H

#include <stddef.h>

#include "cloudengine/plugin.h"
#include "document.h"

/*
 * Credentials from, in order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
 * (+AWS_SESSION_TOKEN); web identity (AWS_WEB_IDENTITY_TOKEN_FILE +
 * AWS_ROLE_ARN through STS); ECS/EKS container credentials
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI); the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,
 * profile AWS_PROFILE or "default"); EC2 IMDSv2 unless
 * AWS_EC2_METADATA_DISABLED=true.  Cached, refreshed 5 minutes before
 * expiry; thread-safe.  Returns 0, or -ENOENT with the reason in err.
 */
int	ce_aws_credentials(struct ce_aws_credentials *out, char *err,
	    size_t errlen);
/* Forget cached credentials (tests, SIGHUP). */
void	ce_aws_credentials_reset(void);

int	ce_aws_region(char *buf, size_t len);
int	ce_aws_endpoint(const char *service, const char *override,
	    const char *region, char *buf, size_t len);

/*
 * Open s3://bucket/key for reading as a stream (signed GET, path-style
 * addressing when path_style or a custom endpoint is set).  The body is
 * streamed: nothing is held in memory beyond a small buffer.
 */
struct ce_s3_options {
	const char	*region;	/* NULL = ce_aws_region() */
	const char	*endpoint;	/* NULL = ce_aws_endpoint("s3", ...) */
	int		 path_style;
	long		 timeout_ms;	/* whole transfer, 0 = none */
};
int	ce_s3_open(const char *bucket, const char *key,
	    const struct ce_s3_options *opts, struct ce_stream *out,
	    char *err, size_t errlen);

/*
 * When running under Lambda (AWS_LAMBDA_RUNTIME_API set), report a failure
 * before the lambda input exists on the Runtime API's init-error endpoint.
 * Returns 0 when reported, -ENOENT when not under Lambda.
 */
int	ce_lambda_init_error(const char *error_type, const char *message);

#endif /* CE_AWS_H */
