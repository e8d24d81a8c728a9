/*
 * The uploader's state: at most one batch on the wire ("cur") and the next
 * one being built meanwhile ("next"), so a backlog drains with the network
 * and the CPU busy at the same time. One connection, kept alive; one retry
 * timer; everything else follows from the answer table in gw_uplink_decide.
 *
 * The store evicts when it is full, so a batch is "held" before it is sent:
 * its range is published as on the wire (never evicted from then until the
 * cloud has answered it), and it goes only once no eviction decided
 * earlier can still take one of its records (see ready_to_send).
 */
#include "uploader.h"
#include "batch.h"
#include "conn.h"
#include "http.h"
#include "settings.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../store/buffer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SUB "uplink"
#define STEP 256                      /* records per build step (one read transaction) */
#define RETRY_AFTER_CAP_MS 3600000    /* the contract's cap */
#define BACKOFF_BASE_MS 1000

struct gw_uplink {
	struct event_base *base;
	struct gw_store *store;

	char gateway_id[72], store_id[17];
	struct gw_uplink_limits lim;
	struct gw_uplink_link *link;      /* what connections are made with */
	struct gw_uplink_link *pending;   /* a reload's, once no answer is awaited */
	struct gw_agent_info agent;
	struct gw_platform platform;
	struct evdns_base *dns;

	struct gw_conn *conn;
	bool ready, awaiting, reused;
	unsigned requests_on_conn;
	struct gw_http_parser *hp;
	struct evbuffer *req;
	uint64_t wire_in, wire_out;       /* of connections already gone */

	struct gw_batch slots[2];         /* a z_stream must not move: swap pointers */
	struct gw_batch *cur, *next;
	bool cur_sent, rebuild;
	bool hold, verified, fencing;     /* cur held on the wire; safe to send; fence awaited */
	uint64_t hold_first, hold_last;
	struct up_life *life;             /* what the store's callbacks hold of us */
	uint64_t cursor;
	unsigned cap;

	struct event *retry_ev, *age_ev, *step_ev, *answer_ev;
	bool waiting;
	uint64_t known_last;              /* the highest seq the store told us of */
	uint64_t frontier;                /* where reading for a new batch would go on */
	int64_t pending_since;            /* records beyond the frontier since then */
	bool eligible;

	unsigned attempt, refused_row;
	uint64_t rng;
	struct gw_uplink_stats st;
	struct gw_complaint down, auth, alarm;
};

/* Outlives the uploader while a fence it asked for is on its way. */
struct up_life {
	struct gw_uplink *u;
	unsigned refs;
};

static void kick(struct gw_uplink *u);

enum gw_uplink_action gw_uplink_decide(int status)
{
	switch (status) {
	case 200: case 201: case 202: case 409:
		return GW_UP_ACCEPTED;
	case 400: case 413: case 422:
		return GW_UP_REFUSED;
	case 401: case 403:
		return GW_UP_CREDENTIALS;
	case 429: case 503:
		return GW_UP_SLOW_DOWN;
	default:
		/* other 5xx, and any status the table does not name */
		return GW_UP_TRANSIENT;
	}
}

const char *gw_uplink_action_name(enum gw_uplink_action a)
{
	switch (a) {
	case GW_UP_ACCEPTED: return "accepted";
	case GW_UP_REFUSED: return "refused";
	case GW_UP_CREDENTIALS: return "credentials refused";
	case GW_UP_SLOW_DOWN: return "slow down";
	case GW_UP_TRANSIENT: return "transient";
	}
	return "?";
}

static uint64_t rnd(struct gw_uplink *u)
{
	/* xorshift64*: jitter only, nothing secret */
	u->rng ^= u->rng >> 12;
	u->rng ^= u->rng << 25;
	u->rng ^= u->rng >> 27;
	return u->rng * 0x2545f4914f6cdd1dull;
}

/* Exponential back-off with full jitter: uniform in [0, min(cap, base * 2^n)). */
static int64_t backoff_ms(struct gw_uplink *u)
{
	int64_t ceil = BACKOFF_BASE_MS << (u->attempt < 20 ? u->attempt : 20);

	if (ceil > u->lim.backoff_max_ms)
		ceil = u->lim.backoff_max_ms;
	u->attempt++;
	return 50 + (int64_t)(rnd(u) % (uint64_t)ceil);
}

static void set_error(struct gw_uplink *u, const char *why)
{
	snprintf(u->st.last_error, sizeof(u->st.last_error), "%.250s", why);
}

static void add_wire(struct gw_uplink *u)
{
	struct gw_conn_stats cs;

	if (!u->conn)
		return;
	gw_conn_get_stats(u->conn, &cs);
	u->wire_in += cs.wire_in;
	u->wire_out += cs.wire_out;
}

static void drop_conn(struct gw_uplink *u)
{
	add_wire(u);
	gw_conn_free(u->conn);
	u->conn = NULL;
	u->ready = u->awaiting = false;
	u->requests_on_conn = 0;
	if (u->answer_ev)
		evtimer_del(u->answer_ev);
}

static void begin(struct gw_uplink *u, struct gw_batch *b, uint64_t from)
{
	uint64_t max = gw_store_get_opts(u->store)->max_bytes;

	if (gw_batch_begin(b, from, UINT64_MAX, u->cap, u->lim.batch_bytes, u->lim.level) < 0)
		gw_err(SUB, "out of memory for a batch");
	/* a batch held on the wire takes at most an eighth of the store's limit */
	b->max_stored = max / 8 < SIZE_MAX ? (size_t)(max / 8) : 0;
}

/* Nothing is sent until the timer fires; the batch on the wire is built again. */
static void retry_later(struct gw_uplink *u, int64_t ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	gw_batch_clear(u->next);
	/*
	 * Built before the wait: read again (its body went out, or eviction may
	 * have taken some). A batch held stays held through the wait: the cloud
	 * may have taken it without our hearing the answer, so it must never be
	 * evicted and reported dropped.
	 */
	if (u->cur->active && (u->cur_sent || u->cur->complete))
		u->rebuild = true;
	u->cur_sent = false;
	u->waiting = true;
	u->st.next_attempt_ms = gw_clock_mono_ms() + ms;
	evtimer_add(u->retry_ev, &tv);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct gw_uplink *u = arg;

	(void)fd;
	(void)what;
	u->waiting = false;
	u->st.next_attempt_ms = 0;
	kick(u);
}

static void quarantine_bad(struct gw_uplink *u, struct gw_batch *b)
{
	for (unsigned i = 0; i < b->n_bad; i++) {
		gw_warn(SUB, "record %" PRIu64 " cannot be written as JSON: moved to the quarantine",
			b->bad[i]);
		gw_buffer_quarantine(u->store, b->bad[i], NULL, NULL);
		u->st.quarantined++;
	}
	b->n_bad = 0;
}

static bool eligible(struct gw_uplink *u)
{
	return u->eligible ||
	       (u->pending_since && u->known_last >= u->frontier &&
		gw_clock_mono_ms() - u->pending_since >= u->lim.batch_age_ms);
}

static void arm_age(struct gw_uplink *u)
{
	struct timeval tv = {u->lim.batch_age_ms / 1000, (u->lim.batch_age_ms % 1000) * 1000};

	u->pending_since = gw_clock_mono_ms();
	evtimer_add(u->age_ev, &tv);
}

/* A batch just finished building: settle what its read taught us. */
static void built(struct gw_uplink *u, struct gw_batch *b)
{
	quarantine_bad(u, b);
	if (b->resume > u->frontier)
		u->frontier = b->resume;
	if (b->full) {
		u->eligible = true; /* more records wait beyond this batch */
		return;
	}
	/* the read found the end of the data: the age rule decides from here */
	u->eligible = false;
	if (u->known_last < u->frontier)
		u->pending_since = 0;
	else if (!u->pending_since)
		arm_age(u);
}

static void on_step(evutil_socket_t fd, short what, void *arg)
{
	struct gw_uplink *u = arg;
	struct gw_batch *b = u->cur->active && !u->cur->complete ? u->cur
			     : u->next->active && !u->next->complete ? u->next : NULL;
	int rc;

	(void)fd;
	(void)what;
	if (!b)
		return;
	rc = gw_batch_step(b, u->store, &u->agent, STEP);
	if (rc < 0) {
		gw_err(SUB, "cannot read the store for a batch: %s", strerror(-rc));
		gw_batch_clear(b);
		retry_later(u, backoff_ms(u));
		return;
	}
	if (rc == 1)
		built(u, b);
	kick(u);
}

static void on_ready(struct gw_conn *c, void *arg)
{
	struct gw_uplink *u = arg;

	u->ready = true;
	if (u->st.connect_failures || u->attempt)
		gw_notice(SUB, "connected: %s", gw_conn_describe(c));
	else
		gw_info(SUB, "connected: %s", gw_conn_describe(c));
	u->st.connected = true;
	kick(u);
}

static void transient(struct gw_uplink *u, const char *why)
{
	int64_t ms = backoff_ms(u);

	u->st.transient++;
	set_error(u, why);
	gw_complain(&u->down, GW_LOG_WARNING, SUB,
		    "cannot upload: %s; the records wait in the store, next attempt in %.1f s",
		    why, (double)ms / 1000);
	retry_later(u, ms);
}

static void on_closed(struct gw_conn *c, int err, const char *reason, void *arg)
{
	struct gw_uplink *u = arg;
	bool was_ready = u->ready, was_awaiting = u->awaiting, reused = u->reused;

	(void)c;
	(void)err;
	drop_conn(u);
	u->st.connected = false;
	if (was_awaiting && reused) {
		/* a kept-alive connection the cloud had just closed: one fresh try */
		gw_debug(SUB, "kept-alive connection closed under the request (%s); resending",
			 reason);
		retry_later(u, 0);
	} else if (was_awaiting || !was_ready) {
		if (!was_ready)
			u->st.connect_failures++;
		transient(u, reason);
	} else {
		gw_debug(SUB, "idle connection closed: %s", reason);
	}
	kick(u);
}

/* cur is no longer held: the cloud answered it for good, or it is gone. */
static void release(struct gw_uplink *u)
{
	u->hold = u->verified = false;
	u->hold_first = u->hold_last = 0;
}

static void accepted(struct gw_uplink *u, int status)
{
	struct gw_batch *tmp;

	/* the store protects the range from here until it is deleted */
	gw_buffer_ack(u->store, u->cur->first, u->cur->last, NULL, NULL);
	release(u);
	u->st.batches_accepted++;
	u->st.records_accepted += u->cur->n;
	u->st.json_bytes += u->cur->json_bytes;
	gw_debug(SUB, "records %" PRIu64 "-%" PRIu64 " (%u) accepted: HTTP %d", u->cur->first,
		 u->cur->last, u->cur->n, status);
	if (u->refused_row >= u->lim.breaker)
		gw_notice(SUB, "the cloud accepts records again: quarantining resumes");
	u->refused_row = 0;
	u->st.breaker_open = false;
	u->st.auth_fault = false;
	u->attempt = 0;
	gw_complaint_clear(&u->down, SUB, "the cloud accepts records again");
	gw_complaint_clear(&u->auth, SUB, "the cloud accepts the gateway's credentials again");
	if (u->cap < u->lim.batch_records)
		u->cap = u->cap * 2 < u->lim.batch_records ? u->cap * 2 : u->lim.batch_records;
	u->cursor = u->cur->resume;
	/* the next batch, built meanwhile, is now the current one */
	tmp = u->cur;
	u->cur = u->next;
	u->next = tmp;
	gw_batch_clear(u->next);
	u->cur_sent = false;
}

static void refused(struct gw_uplink *u, int status, const char *body)
{
	u->st.refused++;
	gw_batch_clear(u->next);
	if (u->cur->n > 1) {
		/* halve until the record the cloud refuses stands alone */
		u->cap = (u->cur->n + 1) / 2;
		u->st.splits++;
		gw_info(SUB, "records %" PRIu64 "-%" PRIu64 " refused (HTTP %d: %s): splitting",
			u->cur->first, u->cur->last, status, body);
		begin(u, u->cur, u->cur->first);
		release(u);   /* the cloud took none of it */
		u->cur_sent = false;
		return;
	}
	if (u->refused_row >= u->lim.breaker) {
		/* a systematic refusal: the gateway, not the data, is wrong */
		u->st.breaker_open = true;
		set_error(u, "the cloud refuses every record: quarantining stopped");
		gw_complain(&u->alarm, GW_LOG_ERROR, SUB,
			    "ALARM: the cloud refused %u records in a row (last: HTTP %d: %s); "
			    "quarantining has stopped and the records wait in the store: the "
			    "gateway, not the data, is probably wrong", u->refused_row, status, body);
		retry_later(u, u->lim.auth_retry_ms);
		return;
	}
	gw_warn(SUB, "record %" PRIu64 " refused (HTTP %d: %s): moved to the quarantine",
		u->cur->first, status, body);
	gw_buffer_quarantine(u->store, u->cur->first, NULL, NULL);
	u->st.quarantined++;
	u->refused_row++;
	u->cursor = u->cur->resume;
	gw_batch_clear(u->cur);
	release(u);
	u->cur_sent = false;
}

void gw_uplink_read_answer(const struct gw_http_response *r, int64_t now_ms,
			   struct gw_uplink_answer *out)
{
	out->action = gw_uplink_decide(r->status);
	out->wait_ms = r->retry_after[0] ? gw_http_retry_after_ms(r->retry_after, now_ms,
								   RETRY_AFTER_CAP_MS) : -1;
	out->close = !r->keep_alive;
	gw_log_escape(out->retry_after, sizeof(out->retry_after), r->retry_after,
		      strlen(r->retry_after));
	gw_http_body_excerpt(r, out->body, sizeof(out->body));
}

static void on_answer(struct gw_uplink *u, const struct gw_http_response *r)
{
	struct gw_uplink_answer a;
	char why[480];
	int64_t ms;

	gw_uplink_read_answer(r, gw_clock_wall_ms(), &a);
	evtimer_del(u->answer_ev);
	u->awaiting = false;
	u->reused = false;
	u->st.last_status = r->status;
	switch (a.action) {
	case GW_UP_ACCEPTED:
		accepted(u, r->status);
		break;
	case GW_UP_REFUSED:
		refused(u, r->status, a.body);
		break;
	case GW_UP_CREDENTIALS:
		u->st.credential_refusals++;
		u->st.auth_fault = true;
		snprintf(why, sizeof(why), "the cloud refused the gateway's credentials (HTTP %d: "
			 "%.200s)", r->status, a.body);
		set_error(u, why);
		gw_complain(&u->auth, GW_LOG_ERROR, SUB, "%s; the records wait in the store, "
			    "next attempt in %lld s", why, (long long)(u->lim.auth_retry_ms / 1000));
		retry_later(u, u->lim.auth_retry_ms);
		break;
	case GW_UP_SLOW_DOWN:
		u->st.slow_downs++;
		ms = a.wait_ms >= 0 ? a.wait_ms : backoff_ms(u);
		snprintf(why, sizeof(why), "the cloud asks to slow down (HTTP %d, Retry-After: %.260s)",
			 r->status, a.retry_after[0] ? a.retry_after : "none");
		set_error(u, why);
		gw_complain(&u->down, GW_LOG_WARNING, SUB, "%s: next attempt in %.1f s", why,
			    (double)ms / 1000);
		retry_later(u, ms);
		break;
	case GW_UP_TRANSIENT:
		snprintf(why, sizeof(why), "HTTP %d from the cloud", r->status);
		transient(u, why);
		break;
	}
	if (a.close)
		drop_conn(u);
}

static void on_readable(struct gw_conn *c, void *arg)
{
	struct gw_uplink *u = arg;
	int rc;

	if (!u->awaiting) {
		drop_conn(u);
		transient(u, "the cloud sent data nobody asked for");
		kick(u);
		return;
	}
	rc = gw_http_parser_feed(u->hp, gw_conn_input(c));
	if (rc < 0) {
		char why[200];
		snprintf(why, sizeof(why), "%s", gw_http_parser_reason(u->hp));
		drop_conn(u);
		transient(u, why);
	} else if (rc > 0) {
		on_answer(u, gw_http_parser_response(u->hp));
	}
	kick(u);
}

static void on_answer_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_uplink *u = arg;
	char why[96];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no answer within %lld ms", (long long)u->lim.timeout_ms);
	drop_conn(u);
	transient(u, why);
	kick(u);
}

static int load_tls(struct gw_uplink *u)
{
	char reason[300];

	if (gw_uplink_link_load_tls(u->link, reason, sizeof(reason)) < 0) {
		set_error(u, reason);
		gw_complain(&u->auth, GW_LOG_ERROR, SUB, "%s; the records wait in the store",
			    reason);
		return -1;
	}
	return 0;
}

static void connect_now(struct gw_uplink *u)
{
	static const struct gw_conn_cbs cbs = {on_ready, on_readable, on_closed};
	struct gw_uplink_link *l = u->link;
	struct gw_conn_opts o = {
		.host = l->host, .port = l->port, .proxy = l->proxy, .dns = u->dns,
		.timeout_ms = u->lim.timeout_ms,
	};

	if (l->proxy_error[0]) {
		/* never quietly go direct when the site says to use a proxy */
		set_error(u, l->proxy_error);
		gw_complain(&u->auth, GW_LOG_ERROR, SUB, "%s; the records wait in the store",
			    l->proxy_error);
		retry_later(u, u->lim.auth_retry_ms);
		return;
	}
	if (load_tls(u) < 0) {
		retry_later(u, u->lim.auth_retry_ms);
		return;
	}
	o.tls = l->tls;
	o.proxy_tls = l->proxy_tls;
	u->conn = gw_conn_new(u->base, &o, &cbs, u);
	if (!u->conn || gw_conn_start(u->conn) < 0) {
		gw_conn_free(u->conn);
		u->conn = NULL;
		transient(u, "cannot start a connection");
		return;
	}
	u->st.connects++;
}

static void send_cur(struct gw_uplink *u)
{
	char key[200], len[24];
	struct gw_http_header h[6];
	size_t n = 0;
	struct timeval tv = {u->lim.timeout_ms / 1000, (u->lim.timeout_ms % 1000) * 1000};

	snprintf(key, sizeof(key), "%s:%s:%" PRIu64 "-%" PRIu64, u->gateway_id, u->store_id,
		 u->cur->first, u->cur->last);
	snprintf(len, sizeof(len), "%zu", evbuffer_get_length(u->cur->body));
	h[n++] = (struct gw_http_header){"Content-Type", "application/json"};
	if (u->cur->level > 0)  /* as built: a reload may have changed the level since */
		h[n++] = (struct gw_http_header){"Content-Encoding", "gzip"};
	h[n++] = (struct gw_http_header){"Idempotency-Key", key};
	h[n++] = (struct gw_http_header){"User-Agent", "ecsp-gateway/" GW_VERSION};
	h[n++] = (struct gw_http_header){"Content-Length", len};
	u->st.body_bytes += evbuffer_get_length(u->cur->body);
	if (gw_http_write_request(u->req, "POST", u->link->target, u->link->host_hdr, h, n, NULL,
				  0) < 0 ||
	    evbuffer_add_buffer(u->req, u->cur->body) < 0 || gw_conn_write(u->conn, u->req) < 0) {
		evbuffer_drain(u->req, evbuffer_get_length(u->req));
		drop_conn(u);
		transient(u, "cannot write the request");
		return;
	}
	u->st.requests++;
	u->reused = u->requests_on_conn++ > 0;
	u->awaiting = true;
	u->cur_sent = true;
	gw_http_parser_reset(u->hp, false);
	evtimer_add(u->answer_ev, &tv);
}

/*
 * The next build step runs after the loop has polled for I/O once more (a
 * zero timeout, not event_active, which would run it before any I/O).
 */
static void schedule_step(struct gw_uplink *u)
{
	static const struct timeval now = {0, 0};

	if (!evtimer_pending(u->step_ev, NULL))
		evtimer_add(u->step_ev, &now);
}

/*
 * Tell the store what the batches hold: the records read so far (eviction
 * takes them only after every other snapshot and the quarantine, and a
 * batch that lost some is read again before it goes), and of them the
 * batch held on the wire (never evicted). Records not read yet are not
 * held at all, so a long build never keeps the store from its limit.
 * Returns 1 when a fence is needed before the held batch may go.
 */
static int publish_inflight(struct gw_uplink *u)
{
	uint64_t first = 0, last = 0, sent_last = 0;

	if (!u->waiting && u->cur->active) {
		const struct gw_batch *top = u->next->active ? u->next : u->cur;
		first = u->cur->from ? u->cur->from : 1;
		last = top->resume ? top->resume - 1 : 0;
	}
	if (u->hold) {
		if (!first || u->hold_first < first)
			first = u->hold_first;
		if (u->hold_last > last)
			last = u->hold_last;
		sent_last = u->hold_last;
	}
	if (last < first)
		first = last = sent_last = 0;
	return gw_buffer_set_inflight(u->store, first, last, sent_last);
}

static void on_fence(int status, void *arg)
{
	struct up_life *l = arg;
	struct gw_uplink *u = l->u;

	(void)status;   /* in order all the same: what came before is delivered */
	l->refs--;
	if (!u) {
		if (!l->refs)
			free(l);
		return;
	}
	u->fencing = false;
	kick(u);
}

/*
 * A batch goes out only once none of its records can be evicted any more:
 * its range is published as on the wire; if an eviction round that took
 * the older ranges may still be on its way, a fence waits for it; then, if
 * any eviction since the batch was read took one of its records, it is read
 * again first (nothing more can go now, so that read is final).
 */
static bool ready_to_send(struct gw_uplink *u)
{
	if (u->verified)
		return true;
	if (!u->hold) {
		u->hold = true;
		u->hold_first = u->cur->first;
		u->hold_last = u->cur->last;
		if (publish_inflight(u) > 0) {
			if (gw_buffer_fence(u->store, on_fence, u->life) < 0) {
				transient(u, "out of memory");
				return false;
			}
			u->life->refs++;
			u->fencing = true;
		}
	}
	if (u->fencing)
		return false;
	u->verified = true;
	if (gw_buffer_dropped_since(u->store, u->cur->mark, u->hold_first, u->hold_last)) {
		gw_debug(SUB, "records %" PRIu64 "-%" PRIu64 ": some were evicted while the batch "
			 "was built; reading it again", u->hold_first, u->hold_last);
		u->rebuild = true;
		return false;
	}
	return true;
}

static void kick_inner(struct gw_uplink *u);
static void switch_link(struct gw_uplink *u);

/* Decide what to do next; called after anything happened. */
static void kick(struct gw_uplink *u)
{
	kick_inner(u);
	publish_inflight(u);   /* a held batch was published (and fenced) when it was held */
}

static void kick_inner(struct gw_uplink *u)
{
	if (u->pending)
		switch_link(u);
	if (u->waiting)
		return;
	if (u->rebuild) {
		/* the same records again, so the Idempotency-Key stays the same */
		u->rebuild = false;
		if (gw_batch_begin(u->cur, u->hold ? u->hold_first : u->cur->first,
				   u->hold ? u->hold_last : u->cur->last, UINT32_MAX, SIZE_MAX,
				   u->lim.level) < 0)
			return;
	}
	if (!u->cur->active) {
		if (!eligible(u))
			return;
		begin(u, u->cur, u->cursor);
	}
	if (!u->cur->complete) {
		schedule_step(u);
		return;
	}
	if (u->cur->n == 0) {
		u->cursor = u->cur->resume;
		gw_batch_clear(u->cur);
		release(u);
		if (eligible(u))
			kick_inner(u);
		return;
	}
	if (!u->cur_sent) {
		if (!u->conn) {
			connect_now(u);
			return;
		}
		if (!u->ready)
			return;
		if (!ready_to_send(u)) {
			if (u->rebuild)
				kick_inner(u);
			return;
		}
		send_cur(u);
		if (!u->cur_sent)
			return;
	}
	/* while the cloud reads this one, build the next */
	if (u->cur->full && !u->next->active)
		begin(u, u->next, u->cur->resume);
	if (u->next->active && !u->next->complete)
		schedule_step(u);
}

static void on_appended(unsigned n, uint64_t last_seq, void *arg)
{
	struct gw_uplink *u = arg;

	(void)n;
	if (last_seq > u->known_last)
		u->known_last = last_seq;
	if (u->known_last < u->frontier)
		return; /* read already */
	if (!u->pending_since)
		arm_age(u);
	if (u->known_last - u->frontier + 1 >= u->lim.batch_records)
		u->eligible = true;
	kick(u);
}

static void on_age(evutil_socket_t fd, short what, void *arg)
{
	struct gw_uplink *u = arg;

	(void)fd;
	(void)what;
	/* the loop's timer clock may run a hair ahead of ours: the timer decides */
	if (u->pending_since && u->known_last >= u->frontier)
		u->eligible = true;
	kick(u);
}

static void agent_info(struct gw_uplink *u)
{
	gw_agent_probe(&u->platform);
	u->agent = (struct gw_agent_info){u->gateway_id, u->store_id, GW_VERSION, u->platform.os,
					  u->platform.os_version, u->platform.product};
}

static void announce(struct gw_uplink *u)
{
	const struct gw_uplink_link *l = u->link;

	gw_notice(SUB, "uploading to https://%s%s as %s (store %s)%s%s%s", l->host_hdr, l->target,
		  u->gateway_id, u->store_id, l->proxy ? " through the proxy " : "",
		  l->proxy ? l->proxy->host : "",
		  l->proxy && l->proxy->from_env ? " (from https_proxy)" : "");
}

/* Takes the link. */
static struct gw_uplink *create(struct event_base *base, struct gw_store *store,
				const struct gw_config *conf, struct gw_uplink_link *link)
{
	struct gw_uplink *u = calloc(1, sizeof(*u));

	if (!u) {
		gw_uplink_link_free(link);
		return NULL;
	}
	u->base = base;
	u->store = store;
	u->link = link;
	snprintf(u->gateway_id, sizeof(u->gateway_id), "%s", conf->gateway->id);
	snprintf(u->store_id, sizeof(u->store_id), "%s", gw_store_id(store));
	gw_uplink_limits_get(conf->uplink, &u->lim);
	u->cap = u->lim.batch_records;
	agent_info(u);
	if (getrandom(&u->rng, sizeof(u->rng), 0) != sizeof(u->rng) || !u->rng)
		u->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)gw_clock_mono_ms();
	u->life = calloc(1, sizeof(*u->life));
	if (!u->life) {
		gw_uplink_link_free(link);
		free(u);
		return NULL;
	}
	u->life->u = u;
	u->cur = &u->slots[0];
	u->next = &u->slots[1];
	gw_batch_init(u->cur);
	gw_batch_init(u->next);
	u->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
				      EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	u->hp = gw_http_parser_new(false);
	u->req = evbuffer_new();
	u->retry_ev = evtimer_new(base, on_retry, u);
	u->age_ev = evtimer_new(base, on_age, u);
	u->answer_ev = evtimer_new(base, on_answer_timeout, u);
	u->step_ev = evtimer_new(base, on_step, u);
	if (!u->dns || !u->hp || !u->req || !u->retry_ev || !u->age_ev || !u->answer_ev ||
	    !u->step_ev) {
		gw_uplink_free(u);
		return NULL;
	}
	gw_buffer_set_listener(store, on_appended, u);
	u->eligible = true; /* whatever waits from before goes at once */
	u->frontier = 1;    /* sequence numbers start at 1 */
	announce(u);
	load_tls(u);
	kick(u);
	return u;
}

int gw_uplink_new(struct event_base *base, struct gw_store *store, const struct gw_config *conf,
		  struct gw_uplink **out)
{
	struct gw_uplink_link *link;
	char reason[400];

	*out = NULL;
	if (!conf->uplink->enabled)
		return 0;
	link = gw_uplink_link_new(conf, false, reason, sizeof(reason));
	if (!link) {
		gw_err(SUB, "%s", reason);
		return -EINVAL;
	}
	*out = create(base, store, conf, link);
	return *out ? 0 : -ENOMEM;
}

struct gw_uplink_update {
	bool enabled;
	struct gw_uplink_limits lim;
	struct gw_uplink_link *link;
};

struct gw_uplink_update *gw_uplink_prepare(const struct gw_config *conf, char *reason,
					   size_t len)
{
	struct gw_uplink_update *up = calloc(1, sizeof(*up));

	if (!up) {
		snprintf(reason, len, "out of memory");
		return NULL;
	}
	up->enabled = conf->uplink->enabled;
	if (!up->enabled)
		return up;
	gw_uplink_limits_get(conf->uplink, &up->lim);
	up->link = gw_uplink_link_new(conf, true, reason, len);
	if (!up->link) {
		free(up);
		return NULL;
	}
	return up;
}

void gw_uplink_update_free(struct gw_uplink_update *up)
{
	if (up) {
		gw_uplink_link_free(up->link);
		free(up);
	}
}

static void take_limits(struct gw_uplink *u, const struct gw_uplink_limits *l)
{
	unsigned old = u->lim.batch_records;

	u->lim = *l;
	/* a batch being halved keeps its cap; it grows back to the new limit */
	if (u->cap >= old || u->cap > l->batch_records)
		u->cap = l->batch_records;
	/* the batch built ahead was built under the old limits: build it again */
	if (u->next->active)
		gw_batch_clear(u->next);
}

/* The connection is idle (or gone): the new link takes over. */
static void switch_link(struct gw_uplink *u)
{
	if (!u->pending || u->awaiting)
		return;
	if (u->conn)
		gw_info(SUB, "closing the connection: the settings changed");
	drop_conn(u);
	u->st.connected = false;
	gw_uplink_link_free(u->link);
	u->link = u->pending;
	u->pending = NULL;
	announce(u);
	if (u->waiting) {
		/* a wait for the old peer or the old settings: try the new ones now */
		evtimer_del(u->retry_ev);
		u->waiting = false;
		u->st.next_attempt_ms = 0;
	}
	u->attempt = 0;
	gw_complaint_clear(&u->down, SUB, "new uplink settings");
	gw_complaint_clear(&u->auth, SUB, "new uplink settings");
}

void gw_uplink_apply(struct gw_uplink **up_, struct event_base *base, struct gw_store *store,
		     const struct gw_config *conf, struct gw_uplink_update *up)
{
	struct gw_uplink *u = *up_;

	if (!up->enabled) {
		if (u)
			gw_notice(SUB, "uploads stop: uplink.enabled is false now; the records "
				  "wait in the store");
		gw_uplink_free(u);
		*up_ = NULL;
		gw_uplink_update_free(up);
		return;
	}
	if (!u) {
		*up_ = create(base, store, conf, up->link);
		up->link = NULL;
		if (!*up_)
			gw_err(SUB, "out of memory: uploads cannot start");
		gw_uplink_update_free(up);
		return;
	}
	take_limits(u, &up->lim);
	if (gw_uplink_link_same(u->pending ? u->pending : u->link, up->link)) {
		/* the same peer, files and proxy: the connection stays */
		gw_uplink_update_free(up);
		kick(u);
		return;
	}
	gw_uplink_link_free(u->pending);
	u->pending = up->link;
	up->link = NULL;
	gw_uplink_update_free(up);
	if (u->awaiting)
		gw_notice(SUB, "new uplink settings: they take over once the batch on its way "
			  "is answered");
	kick(u);
}

void gw_uplink_free(struct gw_uplink *u)
{
	if (!u)
		return;
	gw_buffer_set_listener(u->store, NULL, NULL);
	gw_buffer_set_inflight(u->store, 0, 0, 0);
	if (u->life) {
		u->life->u = NULL;
		if (!u->life->refs)
			free(u->life);
	}
	drop_conn(u);
	gw_batch_release(&u->slots[0]);
	gw_batch_release(&u->slots[1]);
	if (u->retry_ev)
		event_free(u->retry_ev);
	if (u->age_ev)
		event_free(u->age_ev);
	if (u->answer_ev)
		event_free(u->answer_ev);
	if (u->step_ev)
		event_free(u->step_ev);
	if (u->req)
		evbuffer_free(u->req);
	gw_http_parser_free(u->hp);
	if (u->dns)
		evdns_base_free(u->dns, 0);
	gw_uplink_link_free(u->link);
	gw_uplink_link_free(u->pending);
	gw_tls_cleanup();
	free(u);
}

void gw_uplink_get_stats(const struct gw_uplink *u, struct gw_uplink_stats *st)
{
	struct gw_conn_stats cs = {0};

	*st = u->st;
	if (u->conn)
		gw_conn_get_stats(u->conn, &cs);
	st->wire_in = u->wire_in + cs.wire_in;
	st->wire_out = u->wire_out + cs.wire_out;
}
