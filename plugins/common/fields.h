/*
 * fields.h - the CloudTrail record members that outputs quote (event
 * source and name, time, account, region), compiled once per instance,
 * and the parsing of eventTime.
 *
 * Part of plugins/common.
 */
#ifndef OC_FIELDS_H
#define OC_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

enum oc_field {
	OC_EVENT_ID = 0,	/* eventID */
	OC_EVENT_SOURCE,	/* eventSource */
	OC_EVENT_NAME,		/* eventName */
	OC_EVENT_TIME,		/* eventTime */
	OC_ACCOUNT,		/* recipientAccountId, else userIdentity.accountId */
	OC_REGION,		/* awsRegion */
	OC_NFIELDS
};

struct oc_fields {
	const struct ce_host	*host;
	ce_path			*path[OC_NFIELDS];
	ce_path			*identity_account;
};

/* Compile the paths; 0 or -ENOMEM (logged).  oc_fields_free() is safe
 * after a failure.  From init(). */
int	oc_fields_init(struct oc_fields *f, ce_instance *self,
	    const struct ce_host *host);
void	oc_fields_free(struct oc_fields *f);

/* The member as a string (its bytes, len in *len), or NULL when it is
 * missing, empty or not a string.  Valid while the event is. */
const char *oc_fields_get(const struct oc_fields *f, const ce_event *ev,
	    enum oc_field which, size_t *len);

/* An ISO 8601 time as CloudTrail writes it (2024-05-01T12:00:00Z, with
 * optional fraction and a Z or +hh:mm offset) as epoch seconds.  0 or
 * -EINVAL. */
int	oc_time_parse(const char *s, size_t n, int64_t *epoch_s);

#endif /* OC_FIELDS_H */
