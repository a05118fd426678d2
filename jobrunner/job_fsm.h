/* The job state machine, as pure code: no sockets, no database, no clock.
 *
 * A job process feeds it inputs (start, node replies, node-down, timers,
 * abort, crash) with the current time, then drains the actions each input
 * appended (commands to send, state changes to persist, SSE events, timers)
 * and executes them in order. See docs at the end of this header for the
 * transition table.
 *
 * Nodes are identified by their index in the array given to job_fsm_new
 * ("job order"); names are looked up by binary search, and per-state
 * counters make every quorum / completion check O(1), so jobs with
 * thousands of nodes cost O(log n) per reply. */
#ifndef PUSHY_JOB_FSM_H
#define PUSHY_JOB_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- states, names and original database codes ---- */

enum job_state {
    JOB_STATE_NEW,
    JOB_STATE_VOTING,
    JOB_STATE_RUNNING,
    JOB_STATE_COMPLETE,
    JOB_STATE_QUORUM_FAILED,
    JOB_STATE_CRASHED,
    JOB_STATE_TIMED_OUT,
    JOB_STATE_ABORTED,
    JOB_STATE_COUNT
};

enum job_node_state {
    JOB_NODE_NEW,
    JOB_NODE_READY,
    JOB_NODE_RUNNING,
    JOB_NODE_SUCCEEDED,
    JOB_NODE_FAILED,
    JOB_NODE_ABORTED,
    JOB_NODE_CRASHED,
    JOB_NODE_NACKED,
    JOB_NODE_UNAVAILABLE,
    JOB_NODE_WAS_READY,
    JOB_NODE_TIMED_OUT,
    JOB_NODE_STATE_COUNT
};

/* "voting", "quorum_failed", ...; "?" when out of range. */
const char *job_state_name(enum job_state s);
/* The enum for a name, or -1. */
int job_state_from_name(const char *name);
/* Original job_status codes: 0 voting, 1 running, 2 complete,
 * 3 quorum_failed, 4 aborted, 5 new, 6 timed_out, 7 crashed. */
int job_state_db_code(enum job_state s);
int job_state_from_db_code(int code); /* enum, or -1 */
bool job_state_is_terminal(enum job_state s);

const char *job_node_state_name(enum job_node_state s);
int job_node_state_from_name(const char *name);
/* Original job_nodes.status codes: 0 new, 1 ready, 2 running, 3 succeeded,
 * 4 failed, 5 aborted, 6 unavailable, 7 nacked, 8 faulty (never written;
 * maps to -1 here), 9 was_ready, 10 crashed, 11 timed_out. */
int job_node_state_db_code(enum job_node_state s);
int job_node_state_from_db_code(int code); /* enum, or -1 */
/* Everything but new, ready and running. */
bool job_node_state_is_terminal(enum job_node_state s);

/* ---- inputs ---- */

/* A node's job message, by its wire `type`. */
enum job_msg {
    JOB_MSG_ACK_COMMIT,
    JOB_MSG_NACK_COMMIT,
    JOB_MSG_ACK_RUN,
    JOB_MSG_NACK_RUN,
    JOB_MSG_SUCCEEDED,
    JOB_MSG_FAILED,
    JOB_MSG_ABORTED,
    JOB_MSG_OTHER /* any other type (treated as a bad response) */
};
enum job_msg job_msg_from_type(const char *type); /* NULL/unknown -> OTHER */
const char *job_msg_name(enum job_msg m);

/* ---- outputs ---- */

enum job_timer { JOB_TIMER_VOTING, JOB_TIMER_RUNNING };
const char *job_timer_name(enum job_timer t);

/* SSE event vocabulary of the original server. */
enum job_event {
    JOB_EV_START,            /* caller adds command, quorum, node_count, ... */
    JOB_EV_QUORUM_VOTE,      /* node, status */
    JOB_EV_QUORUM_SUCCEEDED,
    JOB_EV_RUN_START,        /* node */
    JOB_EV_RUN_COMPLETE,     /* node, status */
    JOB_EV_REHAB,            /* node */
    JOB_EV_JOB_COMPLETE      /* status = final job state name */
};
const char *job_event_name(enum job_event e); /* "quorum_vote", ... */

enum job_action_kind {
    JOB_ACT_SEND_COMMIT,  /* send `commit` to node */
    JOB_ACT_SEND_RUN,     /* send `run` to node */
    JOB_ACT_SEND_ABORT,   /* send `abort` to node (rehab: it is unavailable until it answers `aborted`) */
    JOB_ACT_NODE_STATE,   /* persist node old_state -> new_state (with updated_at) */
    JOB_ACT_JOB_STATE,    /* persist job old_state -> new_state (with updated_at) */
    JOB_ACT_EVENT,        /* publish SSE event */
    JOB_ACT_SET_TIMER,    /* call job_fsm_timer() at at_ms */
    JOB_ACT_CANCEL_TIMER  /* that timer is no longer needed */
};

#define JOB_FSM_NO_NODE ((size_t)-1)

struct job_action {
    enum job_action_kind kind;
    size_t node;           /* node index, or JOB_FSM_NO_NODE */
    const char *node_name; /* owned by the fsm (valid until job_fsm_free), or NULL */
    int old_state;         /* NODE_STATE: enum job_node_state; JOB_STATE: enum job_state */
    int new_state;
    enum job_event event;  /* EVENT */
    const char *status;    /* EVENT quorum_vote/run_complete/job_complete status (static), else NULL */
    enum job_timer timer;  /* SET_TIMER, CANCEL_TIMER */
    int64_t at_ms;         /* SET_TIMER */
};

/* What an input did. Everything but OK leaves all states unchanged. */
enum job_fsm_result {
    JOB_FSM_OK = 0,
    JOB_FSM_DUPLICATE,    /* repeat of an accepted reply (ack_commit from ready: emits
                             quorum_vote unexpected_commit; ack_run from running: nothing) */
    JOB_FSM_LATE,         /* from a node already terminal in this (active) job; emits the
                             original's rehab + client_died_* event where the node may still
                             hold the job; nothing for aborted/nack replies or node-down */
    JOB_FSM_FINISHED,     /* the job is terminal: no actions ("job already finished");
                             the caller may rehab the node unless the reply was `aborted` */
    JOB_FSM_UNKNOWN_NODE, /* node is not a target of this job: no actions */
    JOB_FSM_WRONG_JOB,    /* reply names another job_id: no actions */
    JOB_FSM_NOT_STARTED,  /* reply/node-down/timer before job_fsm_start: no actions */
    JOB_FSM_NOT_DUE,      /* job_fsm_timer: nothing due (early, or stale timer) */
    JOB_FSM_BAD_STATE,    /* start/load on a job that is not new */
    JOB_FSM_NOMEM         /* no memory for the action buffer: nothing changed, retry */
};
const char *job_fsm_result_str(enum job_fsm_result r);

/* ---- the machine ---- */

struct job_fsm_params {
    const char *job_id;        /* optional: when set, replies naming another job are refused */
    size_t quorum;             /* nodes that must ack (quorum_required()); <= node count */
    int64_t voting_timeout_ms; /* > 0; the caller scales it with job size */
    int64_t run_timeout_ms;    /* > 0 */
};

struct job_fsm;

/* A job in state `new` with every node `new`. Names are copied; empty or
 * duplicate names are refused. Returns NULL with a message in err. */
struct job_fsm *job_fsm_new(const struct job_fsm_params *params, const char *const *nodes,
                            size_t n_nodes, char *err, size_t errlen);
void job_fsm_free(struct job_fsm *fsm);

/* new -> voting. available[i] (job order; NULL = all available) says node i
 * is up and idle: it gets `commit`; the others become `unavailable` at once
 * with quorum_vote "down". Voting may end right here (e.g. all down). */
enum job_fsm_result job_fsm_start(struct job_fsm *fsm, int64_t now_ms, const bool *available);

/* A node's reply. job_id NULL = not checked. */
enum job_fsm_result job_fsm_reply(struct job_fsm *fsm, int64_t now_ms, const char *node,
                                  const char *job_id, enum job_msg msg);

/* The node's liveness went down (heartbeats lost, or client restarted). */
enum job_fsm_result job_fsm_node_down(struct job_fsm *fsm, int64_t now_ms, const char *node);

/* Fires the phase deadline if now_ms has reached it; otherwise NOT_DUE. */
enum job_fsm_result job_fsm_timer(struct job_fsm *fsm, int64_t now_ms);

/* Next deadline to call job_fsm_timer at, or -1 when none. */
int64_t job_fsm_deadline(const struct job_fsm *fsm);

/* Operator abort: job -> aborted, every new/ready/running node -> aborted
 * (and gets `abort` if the job had started). FINISHED if already terminal. */
enum job_fsm_result job_fsm_abort(struct job_fsm *fsm);

/* The job process died, or a non-terminal job was found at start-up:
 * job -> crashed, non-terminal nodes -> crashed (+ `abort` if started). */
enum job_fsm_result job_fsm_crash(struct job_fsm *fsm);

/* Restores states read back from the database (node_states in job order),
 * without actions, so that job_fsm_crash/abort can finish the job. No
 * deadline is restored: Pushy does not resume jobs, it crashes them. */
enum job_fsm_result job_fsm_load(struct job_fsm *fsm, enum job_state state,
                                 const enum job_node_state *node_states);

/* Actions appended since the last clear, in the order to execute them. */
const struct job_action *job_fsm_actions(const struct job_fsm *fsm, size_t *n);
void job_fsm_clear_actions(struct job_fsm *fsm);

/* ---- queries ---- */

enum job_state job_fsm_state(const struct job_fsm *fsm);
size_t job_fsm_quorum(const struct job_fsm *fsm);
size_t job_fsm_node_count(const struct job_fsm *fsm);
const char *job_fsm_node_name(const struct job_fsm *fsm, size_t i);
/* JOB_NODE_STATE_COUNT when i is out of range. */
enum job_node_state job_fsm_node_state(const struct job_fsm *fsm, size_t i);
/* Index of a node by name, or JOB_FSM_NO_NODE. O(log n). */
size_t job_fsm_node_index(const struct job_fsm *fsm, const char *name);
/* Nodes currently in state s. O(1). */
size_t job_fsm_count(const struct job_fsm *fsm, enum job_node_state s);
void job_fsm_node_counts_by_state(const struct job_fsm *fsm, size_t out[JOB_NODE_STATE_COUNT]);
/* Iterates the nodes in state s in job order (for the `nodes` grouped view):
 *   for (size_t pos = 0, i; (i = job_fsm_next_in_state(fsm, s, &pos)) != JOB_FSM_NO_NODE;) */
size_t job_fsm_next_in_state(const struct job_fsm *fsm, enum job_node_state s, size_t *pos);

/* Transitions (Pushy's decisions over the original where they differ).
 * "rehab" = SEND_ABORT + EVENT rehab for that node.
 *
 * start (job new):    job -> voting; event start; available: SEND_COMMIT;
 *                     unavailable: -> unavailable, vote "down"; SET_TIMER voting.
 * voting, node new:   ack_commit -> ready, vote success
 *                     nack_commit -> nacked, vote failure
 *                     down -> unavailable + rehab, vote down
 *                     other -> unavailable + rehab
 * voting, node ready: ack_commit: DUPLICATE, vote unexpected_commit
 *                     nack_commit -> unavailable + rehab, vote lost_availibility (sic, original)
 *                     down -> unavailable + rehab, vote down
 *                     other -> unavailable + rehab
 * voting, terminal:   ack_commit: LATE, rehab, vote client_died_while_voting
 *                     nack_*, aborted, down: LATE, nothing
 *                     other: LATE, rehab
 * voting ends when no node is new, or at once when new + ready < quorum:
 *   ready >= quorum (and none new): event quorum_succeeded, job -> running,
 *                     SEND_RUN to each ready node, SET_TIMER running;
 *   else:             ready -> was_ready + rehab, new -> unavailable + rehab,
 *                     job -> quorum_failed.
 * voting timer:       new -> unavailable + rehab, vote voting_timeout; then as above.
 * running, ready:     ack_run -> running, run_start
 *                     nack_run -> failed + rehab, run_complete run_nacked
 *                     anything else / down -> crashed + rehab, run_complete crashed
 * running, running:   ack_run: DUPLICATE, nothing
 *                     succeeded -> succeeded, run_complete success
 *                     failed -> failed, run_complete failure
 *                     nack_run -> failed + rehab, run_complete run_nacked_while_running
 *                     anything else / down -> crashed + rehab, run_complete crashed
 * running, terminal:  nack_*, aborted, down: LATE, nothing
 *                     other: LATE, rehab, run_complete client_died_while_running
 * running ends when no node is ready or running: job -> complete (even if all failed).
 * running timer:      ready/running -> timed_out + rehab, run_complete timed_out;
 *                     job -> timed_out.
 * abort / crash:      new/ready/running -> aborted/crashed (+ rehab if started;
 *                     run_complete aborted/crashed for ready/running when running).
 * Every end of job:   CANCEL_TIMER (if one is set), job state, event job_complete{status}. */

#endif
