/* Job state machine; the transition table is at the end of job_fsm.h. */
#include "jobrunner/job_fsm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names and codes ---- */

static const char *const job_state_names[JOB_STATE_COUNT] = {
    "new", "voting", "running", "complete", "quorum_failed", "crashed", "timed_out", "aborted",
};
/* Indexed by enum job_state. */
static const int job_state_codes[JOB_STATE_COUNT] = { 5, 0, 1, 2, 3, 7, 6, 4 };

static const char *const node_state_names[JOB_NODE_STATE_COUNT] = {
    "new", "ready", "running", "succeeded", "failed", "aborted",
    "crashed", "nacked", "unavailable", "was_ready", "timed_out",
};
/* Indexed by enum job_node_state; code 8 ("faulty") has no state. */
static const int node_state_codes[JOB_NODE_STATE_COUNT] = { 0, 1, 2, 3, 4, 5, 10, 7, 6, 9, 11 };

static int name_index(const char *const *names, int count, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int code_index(const int *codes, int count, int code)
{
    for (int i = 0; i < count; i++)
        if (codes[i] == code)
            return i;
    return -1;
}

const char *job_state_name(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? job_state_names[s] : "?";
}

int job_state_from_name(const char *name)
{
    return name_index(job_state_names, JOB_STATE_COUNT, name);
}

int job_state_db_code(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? job_state_codes[s] : -1;
}

int job_state_from_db_code(int code)
{
    return code_index(job_state_codes, JOB_STATE_COUNT, code);
}

bool job_state_is_terminal(enum job_state s)
{
    return s != JOB_STATE_NEW && s != JOB_STATE_VOTING && s != JOB_STATE_RUNNING;
}

const char *job_node_state_name(enum job_node_state s)
{
    return (unsigned)s < JOB_NODE_STATE_COUNT ? node_state_names[s] : "?";
}

int job_node_state_from_name(const char *name)
{
    return name_index(node_state_names, JOB_NODE_STATE_COUNT, name);
}

int job_node_state_db_code(enum job_node_state s)
{
    return (unsigned)s < JOB_NODE_STATE_COUNT ? node_state_codes[s] : -1;
}

int job_node_state_from_db_code(int code)
{
    return code_index(node_state_codes, JOB_NODE_STATE_COUNT, code);
}

bool job_node_state_is_terminal(enum job_node_state s)
{
    return s != JOB_NODE_NEW && s != JOB_NODE_READY && s != JOB_NODE_RUNNING;
}

static const char *const msg_names[] = {
    "ack_commit", "nack_commit", "ack_run", "nack_run", "succeeded", "failed", "aborted", "other",
};

enum job_msg job_msg_from_type(const char *type)
{
    int i = name_index(msg_names, JOB_MSG_OTHER, type);
    return i < 0 ? JOB_MSG_OTHER : (enum job_msg)i;
}

const char *job_msg_name(enum job_msg m)
{
    return (unsigned)m <= JOB_MSG_OTHER ? msg_names[m] : "?";
}

const char *job_timer_name(enum job_timer t)
{
    return t == JOB_TIMER_VOTING ? "voting" : t == JOB_TIMER_RUNNING ? "running" : "?";
}

const char *job_event_name(enum job_event e)
{
    static const char *const names[] = {
        "start", "quorum_vote", "quorum_succeeded", "run_start", "run_complete", "rehab",
        "job_complete",
    };
    return (unsigned)e <= JOB_EV_JOB_COMPLETE ? names[e] : "?";
}

const char *job_fsm_result_str(enum job_fsm_result r)
{
    switch (r) {
    case JOB_FSM_OK:           return "ok";
    case JOB_FSM_DUPLICATE:    return "duplicate reply";
    case JOB_FSM_LATE:         return "reply from a node that already finished this job";
    case JOB_FSM_FINISHED:     return "job already finished";
    case JOB_FSM_UNKNOWN_NODE: return "node is not part of this job";
    case JOB_FSM_WRONG_JOB:    return "reply is for another job";
    case JOB_FSM_NOT_STARTED:  return "job has not started";
    case JOB_FSM_NOT_DUE:      return "no timer due";
    case JOB_FSM_BAD_STATE:    return "not allowed in the job's current state";
    case JOB_FSM_NOMEM:        return "out of memory";
    }
    return "?";
}

/* ---- the machine ---- */

struct name_ref {
    const char *name;
    size_t idx;
};

struct job_fsm {
    char *job_id;
    size_t quorum;
    int64_t voting_timeout_ms, run_timeout_ms;
    enum job_state state;

    size_t n;
    char **names;              /* job order; strings live in `arena` */
    char *arena;
    unsigned char *node_state; /* enum job_node_state, job order */
    struct name_ref *sorted;   /* by name, for O(log n) lookup */
    size_t counts[JOB_NODE_STATE_COUNT];

    bool timer_set;
    enum job_timer timer;
    int64_t deadline;

    struct job_action *acts;
    size_t nacts, cap;
};

static int cmp_name_ref(const void *a, const void *b)
{
    return strcmp(((const struct name_ref *)a)->name, ((const struct name_ref *)b)->name);
}

static void *fail_null(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *fail_null(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

struct job_fsm *job_fsm_new(const struct job_fsm_params *p, const char *const *nodes,
                            size_t n, char *err, size_t errlen)
{
    if (!p || (n && !nodes))
        return fail_null(err, errlen, "job: missing parameters");
    if (p->quorum > n)
        return fail_null(err, errlen, "job: quorum %zu exceeds the %zu nodes", p->quorum, n);
    if (p->voting_timeout_ms <= 0 || p->run_timeout_ms <= 0)
        return fail_null(err, errlen, "job: timeouts must be positive");

    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!nodes[i] || !nodes[i][0])
            return fail_null(err, errlen, "job: node %zu has an empty name", i);
        bytes += strlen(nodes[i]) + 1;
    }

    struct job_fsm *f = calloc(1, sizeof *f);
    if (!f)
        return fail_null(err, errlen, "job: out of memory");
    f->quorum = p->quorum;
    f->voting_timeout_ms = p->voting_timeout_ms;
    f->run_timeout_ms = p->run_timeout_ms;
    f->state = JOB_STATE_NEW;
    f->n = n;
    f->job_id = p->job_id ? strdup(p->job_id) : NULL;
    f->names = calloc(n ? n : 1, sizeof *f->names);
    f->arena = malloc(bytes ? bytes : 1);
    f->node_state = calloc(n ? n : 1, 1); /* all JOB_NODE_NEW (0) */
    f->sorted = calloc(n ? n : 1, sizeof *f->sorted);
    if ((p->job_id && !f->job_id) || !f->names || !f->arena || !f->node_state || !f->sorted) {
        job_fsm_free(f);
        return fail_null(err, errlen, "job: out of memory");
    }
    char *w = f->arena;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(nodes[i]) + 1;
        memcpy(w, nodes[i], len);
        f->names[i] = w;
        f->sorted[i] = (struct name_ref){ w, i };
        w += len;
    }
    qsort(f->sorted, n, sizeof *f->sorted, cmp_name_ref);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(f->sorted[i - 1].name, f->sorted[i].name) == 0) {
            fail_null(err, errlen, "job: duplicate node name '%.200s'", f->sorted[i].name);
            job_fsm_free(f);
            return NULL;
        }
    }
    f->counts[JOB_NODE_NEW] = n;
    return f;
}

void job_fsm_free(struct job_fsm *f)
{
    if (!f)
        return;
    free(f->job_id);
    free(f->names);
    free(f->arena);
    free(f->node_state);
    free(f->sorted);
    free(f->acts);
    free(f);
}

/* ---- action buffer ----
 * Every input reserves its worst case up front, so that once it starts
 * changing states it can not fail half-way. Per node an input emits at
 * most 4 actions (state change, abort, rehab event, vote/run event; the
 * replying node at most 2 + 3), plus a few job-level ones. */

static bool reserve(struct job_fsm *f)
{
    size_t need = f->nacts + 4 * f->n + 16;
    if (need <= f->cap)
        return true;
    size_t cap = f->cap ? f->cap : 16;
    while (cap < need)
        cap *= 2;
    struct job_action *a = realloc(f->acts, cap * sizeof *a);
    if (!a)
        return false;
    f->acts = a;
    f->cap = cap;
    return true;
}

static struct job_action *push(struct job_fsm *f, enum job_action_kind kind, size_t node)
{
    if (f->nacts >= f->cap)
        abort(); /* reserve() bound violated: a bug in this file */
    struct job_action *a = &f->acts[f->nacts++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->node = node;
    a->node_name = node == JOB_FSM_NO_NODE ? NULL : f->names[node];
    return a;
}

static void send_cmd(struct job_fsm *f, enum job_action_kind kind, size_t i)
{
    push(f, kind, i);
}

static void event(struct job_fsm *f, enum job_event ev, size_t i, const char *status)
{
    struct job_action *a = push(f, JOB_ACT_EVENT, i);
    a->event = ev;
    a->status = status;
}

static void set_node(struct job_fsm *f, size_t i, enum job_node_state to)
{
    enum job_node_state from = f->node_state[i];
    f->counts[from]--;
    f->counts[to]++;
    f->node_state[i] = (unsigned char)to;
    struct job_action *a = push(f, JOB_ACT_NODE_STATE, i);
    a->old_state = (int)from;
    a->new_state = (int)to;
}

static void set_job(struct job_fsm *f, enum job_state to)
{
    struct job_action *a = push(f, JOB_ACT_JOB_STATE, JOB_FSM_NO_NODE);
    a->old_state = (int)f->state;
    a->new_state = (int)to;
    f->state = to;
}

static void set_timer(struct job_fsm *f, enum job_timer t, int64_t at)
{
    f->timer_set = true;
    f->timer = t;
    f->deadline = at;
    struct job_action *a = push(f, JOB_ACT_SET_TIMER, JOB_FSM_NO_NODE);
    a->timer = t;
    a->at_ms = at;
}

static void cancel_timer(struct job_fsm *f)
{
    if (!f->timer_set)
        return;
    f->timer_set = false;
    push(f, JOB_ACT_CANCEL_TIMER, JOB_FSM_NO_NODE)->timer = f->timer;
}

/* The node FSM resets the client with `abort` and keeps it unavailable
 * until it answers `aborted`. */
static void rehab(struct job_fsm *f, size_t i)
{
    send_cmd(f, JOB_ACT_SEND_ABORT, i);
    event(f, JOB_EV_REHAB, i, NULL);
}

static void set_node_rehab(struct job_fsm *f, size_t i, enum job_node_state to)
{
    set_node(f, i, to);
    rehab(f, i);
}

static void finish(struct job_fsm *f, enum job_state to)
{
    cancel_timer(f);
    set_job(f, to);
    event(f, JOB_EV_JOB_COMPLETE, JOB_FSM_NO_NODE, job_state_name(to));
}

/* ---- phase ends ---- */

static void maybe_finish_running(struct job_fsm *f)
{
    if (f->state == JOB_STATE_RUNNING &&
        f->counts[JOB_NODE_READY] + f->counts[JOB_NODE_RUNNING] == 0)
        finish(f, JOB_STATE_COMPLETE);
}

static void start_running(struct job_fsm *f, int64_t now)
{
    event(f, JOB_EV_QUORUM_SUCCEEDED, JOB_FSM_NO_NODE, NULL);
    cancel_timer(f);
    set_job(f, JOB_STATE_RUNNING);
    for (size_t i = 0; i < f->n; i++)
        if (f->node_state[i] == JOB_NODE_READY)
            send_cmd(f, JOB_ACT_SEND_RUN, i);
    maybe_finish_running(f); /* quorum 0 with nobody ready: nothing to run */
    if (f->state == JOB_STATE_RUNNING)
        set_timer(f, JOB_TIMER_RUNNING, now + f->run_timeout_ms);
}

/* Pushy ends voting early when quorum became impossible; it still waits
 * for every answer when quorum is reachable (a late ack may be needed, and
 * every ready node must hear `run` or `abort`). */
static void maybe_finish_voting(struct job_fsm *f, int64_t now)
{
    if (f->state != JOB_STATE_VOTING)
        return;
    size_t pending = f->counts[JOB_NODE_NEW], ready = f->counts[JOB_NODE_READY];
    if (pending > 0 && pending + ready >= f->quorum)
        return;
    if (pending == 0 && ready >= f->quorum) {
        start_running(f, now);
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        if (f->node_state[i] == JOB_NODE_READY)
            set_node_rehab(f, i, JOB_NODE_WAS_READY);
        else if (f->node_state[i] == JOB_NODE_NEW)
            set_node_rehab(f, i, JOB_NODE_UNAVAILABLE);
    }
    finish(f, JOB_STATE_QUORUM_FAILED);
}

/* ---- inputs ---- */

enum job_fsm_result job_fsm_start(struct job_fsm *f, int64_t now, const bool *available)
{
    if (f->state != JOB_STATE_NEW)
        return JOB_FSM_BAD_STATE;
    if (!reserve(f))
        return JOB_FSM_NOMEM;
    event(f, JOB_EV_START, JOB_FSM_NO_NODE, NULL);
    set_job(f, JOB_STATE_VOTING);
    for (size_t i = 0; i < f->n; i++) {
        if (!available || available[i]) {
            send_cmd(f, JOB_ACT_SEND_COMMIT, i);
        } else {
            /* Down or in rehab already: no commit, and no abort either
             * (it holds nothing of this job). */
            set_node(f, i, JOB_NODE_UNAVAILABLE);
            event(f, JOB_EV_QUORUM_VOTE, i, "down");
        }
    }
    maybe_finish_voting(f, now);
    if (f->state == JOB_STATE_VOTING)
        set_timer(f, JOB_TIMER_VOTING, now + f->voting_timeout_ms);
    return JOB_FSM_OK;
}

static enum job_fsm_result voting_reply(struct job_fsm *f, size_t i, enum job_msg m)
{
    enum job_node_state s = f->node_state[i];
    if (s == JOB_NODE_NEW) {
        if (m == JOB_MSG_ACK_COMMIT) {
            set_node(f, i, JOB_NODE_READY);
            event(f, JOB_EV_QUORUM_VOTE, i, "success");
        } else if (m == JOB_MSG_NACK_COMMIT) {
            set_node(f, i, JOB_NODE_NACKED);
            event(f, JOB_EV_QUORUM_VOTE, i, "failure");
        } else {
            set_node_rehab(f, i, JOB_NODE_UNAVAILABLE); /* bad response while voting */
        }
        return JOB_FSM_OK;
    }
    if (s == JOB_NODE_READY) {
        if (m == JOB_MSG_ACK_COMMIT) {
            event(f, JOB_EV_QUORUM_VOTE, i, "unexpected_commit");
            return JOB_FSM_DUPLICATE;
        }
        set_node_rehab(f, i, JOB_NODE_UNAVAILABLE);
        if (m == JOB_MSG_NACK_COMMIT)
            event(f, JOB_EV_QUORUM_VOTE, i, "lost_availibility"); /* sic: original spelling */
        return JOB_FSM_OK;
    }
    /* Terminal in this job. Only replies that show the client may still
     * hold this job get it aborted; a nack or `aborted` (the answer to our
     * own abort) must not abort whatever the node is doing now. */
    if (m == JOB_MSG_ACK_COMMIT) {
        rehab(f, i);
        event(f, JOB_EV_QUORUM_VOTE, i, "client_died_while_voting");
    } else if (m != JOB_MSG_NACK_COMMIT && m != JOB_MSG_NACK_RUN && m != JOB_MSG_ABORTED) {
        rehab(f, i);
    }
    return JOB_FSM_LATE;
}

static enum job_fsm_result running_reply(struct job_fsm *f, size_t i, enum job_msg m)
{
    enum job_node_state s = f->node_state[i];
    if (s == JOB_NODE_READY) {
        if (m == JOB_MSG_ACK_RUN) {
            set_node(f, i, JOB_NODE_RUNNING);
            event(f, JOB_EV_RUN_START, i, NULL);
        } else if (m == JOB_MSG_NACK_RUN) {
            set_node_rehab(f, i, JOB_NODE_FAILED);
            event(f, JOB_EV_RUN_COMPLETE, i, "run_nacked");
        } else {
            /* Includes succeeded/failed before ack_run: the client always
             * acks first and replies are processed in order, so this is a
             * client that lost the job. */
            set_node_rehab(f, i, JOB_NODE_CRASHED);
            event(f, JOB_EV_RUN_COMPLETE, i, "crashed");
        }
        return JOB_FSM_OK;
    }
    if (s == JOB_NODE_RUNNING) {
        switch (m) {
        case JOB_MSG_ACK_RUN:
            return JOB_FSM_DUPLICATE;
        case JOB_MSG_SUCCEEDED:
            set_node(f, i, JOB_NODE_SUCCEEDED);
            event(f, JOB_EV_RUN_COMPLETE, i, "success");
            break;
        case JOB_MSG_FAILED:
            set_node(f, i, JOB_NODE_FAILED);
            event(f, JOB_EV_RUN_COMPLETE, i, "failure");
            break;
        case JOB_MSG_NACK_RUN:
            set_node_rehab(f, i, JOB_NODE_FAILED);
            event(f, JOB_EV_RUN_COMPLETE, i, "run_nacked_while_running");
            break;
        default:
            set_node_rehab(f, i, JOB_NODE_CRASHED);
            event(f, JOB_EV_RUN_COMPLETE, i, "crashed");
            break;
        }
        return JOB_FSM_OK;
    }
    /* Terminal: see voting_reply. */
    if (m != JOB_MSG_NACK_COMMIT && m != JOB_MSG_NACK_RUN && m != JOB_MSG_ABORTED) {
        rehab(f, i);
        event(f, JOB_EV_RUN_COMPLETE, i, "client_died_while_running");
    }
    return JOB_FSM_LATE;
}

size_t job_fsm_node_index(const struct job_fsm *f, const char *name)
{
    if (!name || f->n == 0)
        return JOB_FSM_NO_NODE;
    struct name_ref key = { name, 0 };
    const struct name_ref *r = bsearch(&key, f->sorted, f->n, sizeof key, cmp_name_ref);
    return r ? r->idx : JOB_FSM_NO_NODE;
}

/* Common checks for per-node inputs; sets *idx when the input applies. */
static enum job_fsm_result node_input(struct job_fsm *f, const char *node, size_t *idx)
{
    *idx = job_fsm_node_index(f, node);
    if (*idx == JOB_FSM_NO_NODE)
        return JOB_FSM_UNKNOWN_NODE;
    if (f->state == JOB_STATE_NEW)
        return JOB_FSM_NOT_STARTED;
    if (job_state_is_terminal(f->state))
        return JOB_FSM_FINISHED;
    if (!reserve(f))
        return JOB_FSM_NOMEM;
    return JOB_FSM_OK;
}

enum job_fsm_result job_fsm_reply(struct job_fsm *f, int64_t now, const char *node,
                                  const char *job_id, enum job_msg m)
{
    if (job_id && f->job_id && strcmp(job_id, f->job_id) != 0)
        return JOB_FSM_WRONG_JOB;
    size_t i;
    enum job_fsm_result r = node_input(f, node, &i);
    if (r != JOB_FSM_OK)
        return r;
    if (f->state == JOB_STATE_VOTING) {
        r = voting_reply(f, i, m);
        maybe_finish_voting(f, now);
    } else {
        r = running_reply(f, i, m);
        maybe_finish_running(f);
    }
    return r;
}

enum job_fsm_result job_fsm_node_down(struct job_fsm *f, int64_t now, const char *node)
{
    size_t i;
    enum job_fsm_result r = node_input(f, node, &i);
    if (r != JOB_FSM_OK)
        return r;
    enum job_node_state s = f->node_state[i];
    if (job_node_state_is_terminal(s))
        return JOB_FSM_LATE; /* nothing of ours left on it */
    if (f->state == JOB_STATE_VOTING) {
        set_node_rehab(f, i, JOB_NODE_UNAVAILABLE);
        event(f, JOB_EV_QUORUM_VOTE, i, "down");
        maybe_finish_voting(f, now);
    } else {
        /* The abort reaches a node whose heartbeats were lost but whose
         * command channel still works: it must not keep running unseen. */
        set_node_rehab(f, i, JOB_NODE_CRASHED);
        event(f, JOB_EV_RUN_COMPLETE, i, "crashed");
        maybe_finish_running(f);
    }
    return JOB_FSM_OK;
}

enum job_fsm_result job_fsm_timer(struct job_fsm *f, int64_t now)
{
    if (f->state == JOB_STATE_NEW)
        return JOB_FSM_NOT_STARTED;
    if (job_state_is_terminal(f->state))
        return JOB_FSM_FINISHED;
    if (!f->timer_set || now < f->deadline)
        return JOB_FSM_NOT_DUE;
    if (!reserve(f))
        return JOB_FSM_NOMEM;
    f->timer_set = false; /* consumed: no CANCEL_TIMER for it */
    if (f->timer == JOB_TIMER_VOTING) {
        for (size_t i = 0; i < f->n; i++) {
            if (f->node_state[i] == JOB_NODE_NEW) {
                event(f, JOB_EV_QUORUM_VOTE, i, "voting_timeout");
                set_node_rehab(f, i, JOB_NODE_UNAVAILABLE);
            }
        }
        maybe_finish_voting(f, now);
    } else {
        for (size_t i = 0; i < f->n; i++) {
            enum job_node_state s = f->node_state[i];
            if (s == JOB_NODE_READY || s == JOB_NODE_RUNNING) {
                set_node_rehab(f, i, JOB_NODE_TIMED_OUT);
                event(f, JOB_EV_RUN_COMPLETE, i, "timed_out");
            }
        }
        finish(f, JOB_STATE_TIMED_OUT);
    }
    return JOB_FSM_OK;
}

int64_t job_fsm_deadline(const struct job_fsm *f)
{
    return f->timer_set ? f->deadline : -1;
}

/* Abort and crash: every non-terminal node ends in node_to, the job in
 * job_to. Nodes only get `abort` if the job started (they got a commit). */
static enum job_fsm_result end_job(struct job_fsm *f, enum job_node_state node_to,
                                   enum job_state job_to)
{
    if (job_state_is_terminal(f->state))
        return JOB_FSM_FINISHED;
    if (!reserve(f))
        return JOB_FSM_NOMEM;
    bool started = f->state != JOB_STATE_NEW;
    bool running = f->state == JOB_STATE_RUNNING;
    for (size_t i = 0; i < f->n; i++) {
        enum job_node_state s = f->node_state[i];
        if (job_node_state_is_terminal(s))
            continue;
        set_node(f, i, node_to);
        if (started)
            rehab(f, i);
        if (running)
            event(f, JOB_EV_RUN_COMPLETE, i, job_node_state_name(node_to));
    }
    finish(f, job_to);
    return JOB_FSM_OK;
}

enum job_fsm_result job_fsm_abort(struct job_fsm *f)
{
    return end_job(f, JOB_NODE_ABORTED, JOB_STATE_ABORTED);
}

enum job_fsm_result job_fsm_crash(struct job_fsm *f)
{
    return end_job(f, JOB_NODE_CRASHED, JOB_STATE_CRASHED);
}

enum job_fsm_result job_fsm_load(struct job_fsm *f, enum job_state state,
                                 const enum job_node_state *node_states)
{
    if (f->state != JOB_STATE_NEW || f->timer_set || (unsigned)state >= JOB_STATE_COUNT)
        return JOB_FSM_BAD_STATE;
    for (size_t i = 0; i < f->n; i++)
        if ((unsigned)node_states[i] >= JOB_NODE_STATE_COUNT)
            return JOB_FSM_BAD_STATE;
    memset(f->counts, 0, sizeof f->counts);
    for (size_t i = 0; i < f->n; i++) {
        f->node_state[i] = (unsigned char)node_states[i];
        f->counts[node_states[i]]++;
    }
    f->state = state;
    return JOB_FSM_OK;
}

const struct job_action *job_fsm_actions(const struct job_fsm *f, size_t *n)
{
    *n = f->nacts;
    return f->acts;
}

void job_fsm_clear_actions(struct job_fsm *f)
{
    f->nacts = 0;
}

/* ---- queries ---- */

enum job_state job_fsm_state(const struct job_fsm *f) { return f->state; }
size_t job_fsm_quorum(const struct job_fsm *f) { return f->quorum; }
size_t job_fsm_node_count(const struct job_fsm *f) { return f->n; }

const char *job_fsm_node_name(const struct job_fsm *f, size_t i)
{
    return i < f->n ? f->names[i] : NULL;
}

enum job_node_state job_fsm_node_state(const struct job_fsm *f, size_t i)
{
    return i < f->n ? (enum job_node_state)f->node_state[i] : JOB_NODE_STATE_COUNT;
}

size_t job_fsm_count(const struct job_fsm *f, enum job_node_state s)
{
    return (unsigned)s < JOB_NODE_STATE_COUNT ? f->counts[s] : 0;
}

void job_fsm_node_counts_by_state(const struct job_fsm *f, size_t out[JOB_NODE_STATE_COUNT])
{
    memcpy(out, f->counts, sizeof f->counts);
}

size_t job_fsm_next_in_state(const struct job_fsm *f, enum job_node_state s, size_t *pos)
{
    for (; *pos < f->n; (*pos)++) {
        if (f->node_state[*pos] == s)
            return (*pos)++;
    }
    return JOB_FSM_NO_NODE;
}
