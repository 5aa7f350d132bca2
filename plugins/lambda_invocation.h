/*
 * lambda_invocation.h - one Lambda invocation: its payload cut into the
 * documents the core is given (each record of an SQS batch alone, any
 * other payload whole), their outcomes, and the answer they add up to.
 */
#ifndef CE_LAMBDA_INVOCATION_H
#define CE_LAMBDA_INVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

enum lambda_item_state {
	LAMBDA_ITEM_NEW = 0,	/* not submitted yet */
	LAMBDA_ITEM_PENDING,	/* submitted, done() not called yet */
	LAMBDA_ITEM_OK,
	LAMBDA_ITEM_FAILED
};

struct lambda_invocation;

/* One document: an SQS record's body, or the whole payload. */
struct lambda_item {
	struct lambda_invocation *inv;
	char			 *message_id;	/* SQS messageId; NULL when the record
						 * has none, or for a whole payload */
	char			 *origin;	/* "sqs:<id>", "lambda:<request id>" */
	const char		 *data;		/* borrowed from the payload until
						 * lambda_invocation_drop_payload() */
	size_t			  len;
	enum lambda_item_state	  state;
	const char		 *error_type;	/* the errorType its failure
						 * gives a whole-payload answer */
	char			 *reason;	/* why it failed, when it did */
};

struct lambda_invocation {
	char			 request_id[128];
	int			 sqs;		/* an SQS event-source batch */
	int			 answered;
	size_t			 pending;	/* items submitted, not settled */
	unsigned		 refs;		/* the caller + each pending item */
	uint64_t		 records, failed, skipped, alerts;
	void			*root;		/* the parsed batch (json-c), while
						 * its bodies are borrowed */
	size_t			 nitems;
	struct lambda_item	*items;
};

/* The answer: a response body, or an error.  Strings are malloc'd. */
struct lambda_answer {
	const char	*error_type;	/* NULL: POST .../response with body */
	char		*body;		/* the response (JSON) */
	size_t		 len;
	char		*message;	/* the error's errorMessage */
};

/*
 * Cut payload (len bytes, NUL-terminated, borrowed until
 * lambda_invocation_drop_payload()) into items.  An SQS event-source batch
 * ({"Records":[{"eventSource":"aws:sqs",...}]}) gives one item per record;
 * anything else, malformed JSON included, one item holding it all (the
 * core tells what is wrong with it).  A record with no string body is
 * failed here.  Returns 0 or -ENOMEM.  refs starts at 1.
 */
int	lambda_invocation_new(struct lambda_invocation **out,
	    const char *request_id, const char *payload, size_t len);
void	lambda_invocation_drop_payload(struct lambda_invocation *inv);

/* The callers below hold the lock that guards the invocation. */

/* Account for an item about to be submitted (pending, refs). */
void	lambda_item_submitting(struct lambda_item *it);
/* It was not submitted after all (submit() failed): undo and fail it. */
void	lambda_item_not_submitted(struct lambda_item *it, const char *reason);
/* Its done() came.  Returns 1 when the invocation was freed. */
int	lambda_item_settle(struct lambda_item *it,
	    const struct ce_outcome *outcome);
/* Drop one reference; returns 1 when the invocation was freed. */
int	lambda_invocation_unref(struct lambda_invocation *inv);

/*
 * What to answer.  Items still pending count as failed ("not settled
 * before the deadline").  Marks the invocation answered.  Returns 0 or
 * -ENOMEM.
 */
int	lambda_invocation_answer(struct lambda_invocation *inv,
	    struct lambda_answer *out);
void	lambda_answer_clear(struct lambda_answer *a);

#endif /* CE_LAMBDA_INVOCATION_H */
