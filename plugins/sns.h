/*
 * sns.h - internals of the `sns` output shared by its files and its unit
 * test: text within SNS's rules, the message, the Publish request and the
 * classification of its answer.
 */
#ifndef CE_SNS_H
#define CE_SNS_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"
#include "common/fields.h"

/* SNS limits (protocols.md §4.1). */
#define SNS_MESSAGE_MAX		262144	/* Message, in bytes */
#define SNS_SUBJECT_MAX		99	/* fewer than 100 characters */
#define SNS_GROUP_ID_MAX	128	/* MessageGroupId, dedup id */

/* A growable byte string.  After a failed allocation oom stays set and
 * appends do nothing, so the caller checks once at the end. */
struct sns_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

void	sns_buf_append(struct sns_buf *b, const void *p, size_t n);
void	sns_buf_puts(struct sns_buf *b, const char *s);
void	sns_buf_free(struct sns_buf *b);

/* --- sns_text.c ---------------------------------------------------- */

/* How sns_escape() writes text. */
enum sns_escape_mode {
	SNS_ESC_JSON = 0,	/* the inside of a JSON string */
	SNS_ESC_TEXT		/* the same but for '"' and '\', kept */
};

/*
 * Append s[0..n) escaped (no quotes) in at most max bytes: control
 * characters as \n, \t, \u0001..., invalid UTF-8 bytes as U+FFFD,
 * U+2028/9 and U+FFFE/F as \uXXXX.  Stops before the first character that
 * would not fit, never inside one.  Returns the number of input bytes
 * consumed (n when all of it fitted).
 */
size_t	sns_escape(struct sns_buf *b, const char *s, size_t n, size_t max,
	    enum sns_escape_mode mode);
/*
 * Append s[0..n) as it is, but with each invalid UTF-8 byte and each
 * character SQS would refuse (controls but tab, LF, CR; U+FFFE/F) as
 * U+FFFD, in at most max bytes, never cutting a character.  Returns the
 * number of input bytes consumed.
 */
size_t	sns_clean(struct sns_buf *b, const char *s, size_t n, size_t max);
/* Append s percent-encoded as RFC 3986 (unreserved kept, %20 for space). */
void	sns_form_encode(struct sns_buf *b, const char *s, size_t n);
/*
 * The Subject for an alert: "<prefix> [<severity>] <rule>" as printable
 * ASCII (other characters become '?', controls a space), trimmed, at most
 * SNS_SUBJECT_MAX characters ("..." ends a cut one).  out holds
 * SNS_SUBJECT_MAX + 1 bytes.
 */
void	sns_subject(char *out, const char *prefix, const char *severity,
	    const char *rule);
/*
 * A MessageGroupId from any text: printable ASCII other than space is
 * kept, every other character (a whole UTF-8 sequence) becomes '_', cut to
 * SNS_GROUP_ID_MAX; "cloudengine" when nothing is left.  out holds
 * SNS_GROUP_ID_MAX + 1 bytes.
 */
void	sns_group_id(char *out, const char *text);
/* Non-zero when s may be used as a MessageGroupId as it is. */
int	sns_group_id_valid(const char *s);

/* --- sns_message.c -------------------------------------------------- */

enum sns_format {
	SNS_FORMAT_JSON = 0,
	SNS_FORMAT_TEXT
};

/* What the message says when it had to leave part of the event out. */
struct sns_message_info {
	int	truncated;
	size_t	event_bytes;	/* the whole flattened event's JSON */
};

/*
 * The Message for alert, in at most max bytes (max well above the alert's
 * own fields: the event is what gets cut).  Always valid UTF-8; in JSON
 * format always one valid JSON object.  Returns 0 or -ENOMEM.
 */
int	sns_message(const struct oc_fields *f, const struct ce_alert *alert,
	    enum sns_format format, size_t max, struct sns_buf *out,
	    struct sns_message_info *info);

/* --- sns_query.c ---------------------------------------------------- */

/* One Publish call's parameters (borrowed strings). */
struct sns_publish {
	const char	*topic_arn;
	const char	*message;
	size_t		 message_len;
	const char	*subject;		/* NULL = none */
	const char	*group_id;		/* NULL = none */
	const char	*dedup_id;		/* NULL = none */
	/* String attributes; a NULL or empty value leaves one out. */
	const char	*attr_names[3];
	const char	*attr_values[3];
};

/* Bytes the attributes count against the message size limit. */
size_t	sns_attributes_size(const struct sns_publish *p);
/* The form-urlencoded body of Action=Publish.  0 or -ENOMEM. */
int	sns_publish_body(const struct sns_publish *p, struct sns_buf *out);

/* What an answer from SNS says. */
struct sns_answer {
	char	message_id[128];	/* PublishResponse */
	char	code[64];		/* ErrorResponse */
	char	text[512];		/* its Message, printable ASCII */
};

/*
 * Parse the XML body of an answer (not NUL-terminated).  The error text
 * keeps its first paragraph only (AWS appends the canonical request to a
 * signature mismatch, session token included), with each secret redacted
 * before anything is cut.
 */
void	sns_parse_answer(const char *xml, size_t len,
	    const char *const *secrets, size_t nsecrets, struct sns_answer *a);

/* Error codes, by what the sender can do about them. */
enum sns_error_kind {
	SNS_ERR_OTHER = 0,	/* decided by the HTTP status */
	SNS_ERR_TRANSIENT,	/* throttling, service trouble: retry */
	SNS_ERR_EXPIRED,	/* expired credentials: new ones may come */
	SNS_ERR_CREDENTIALS	/* unknown key, bad signature */
};

enum sns_error_kind sns_error_kind(const char *code);

/* Replace every occurrence of each secret (NULL or "" skipped) in the
 * NUL-terminated text by "[redacted]" (by as many '*' when the secret is
 * shorter), in place: the text never grows. */
void	sns_redact(char *text, const char *const *secrets, size_t nsecrets);

#endif /* CE_SNS_H */
