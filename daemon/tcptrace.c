/**
 * @file tcptrace.c
 * The `tcp` subscription: TCP trace events (lwip/tcp_trace.h) as JSON
 * objects, sent to each subscribed control client whose 4-tuple filter
 * matches (docs/tcp-trace.md, docs/control-protocol.md).
 *
 * The core's hook is installed only while at least one client is
 * subscribed, so a daemon nobody traces pays one pointer test per emit
 * point.  Subscriptions are kept here by client serial; ctl.c reports a
 * client that went away (tcptrace_client_gone).
 */
#include "lwipd.h"

#include <string.h>

#include "lwip/debug.h"
#include "lwip/tcp_trace.h"

#if LWIP_TCP && LWIP_TCP_TRACE

/* As many as the control socket has clients (CTL_MAX_CLIENTS in ctl.c). */
#define TCPTRACE_MAX_SUBS 32

/* A 4-tuple filter: each part optional (port 0 and has_* false: any). */
struct tcptrace_filter {
  bool has_local, has_remote;
  ip4_addr_t local, remote;
  u16_t local_port, remote_port;
};

static struct tcptrace_sub {
  bool used;
  uint64_t client;
  struct tcptrace_filter f;
} subs[TCPTRACE_MAX_SUBS];

static json_t *json_ip(const ip_addr_t *a)
{
#if LWIP_IPV6
  if (IP_IS_V6(a)) {
    return json_ip6(ip_2_ip6(a));
  }
#endif
  return json_ip4(ip_2_ip4(a));
}

json_t *tcptrace_event_json(const struct tcp_trace_event *ev)
{
  json_t *o =
      json_pack("{s:I, s:s, s:o, s:i, s:o, s:i, s:s}", "clock_ms", (json_int_t)ev->time_ms, "kind",
                tcp_trace_kind_name(ev->kind), "local", json_ip(&ev->local_ip), "local_port", ev->local_port, "remote",
                json_ip(&ev->remote_ip), "remote_port", ev->remote_port, "state", tcp_state_name(ev->state));
  if (o == NULL) {
    return NULL;
  }
  static const struct {
    const char *name;
    size_t off;
  } fields[] = {
      {"cwnd", offsetof(struct tcp_trace_event, cwnd)},
      {"ssthresh", offsetof(struct tcp_trace_event, ssthresh)},
      {"srtt_ms", offsetof(struct tcp_trace_event, srtt_ms)},
      {"rttvar_ms", offsetof(struct tcp_trace_event, rttvar_ms)},
      {"rto_ms", offsetof(struct tcp_trace_event, rto_ms)},
      {"pipe", offsetof(struct tcp_trace_event, pipe)},
      {"snd_una", offsetof(struct tcp_trace_event, snd_una)},
      {"snd_nxt", offsetof(struct tcp_trace_event, snd_nxt)},
      {"snd_wnd", offsetof(struct tcp_trace_event, snd_wnd)},
      {"rcv_wnd", offsetof(struct tcp_trace_event, rcv_wnd)},
  };
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    u32_t v;
    memcpy(&v, (const char *)ev + fields[i].off, sizeof(v));
    json_object_set_new(o, fields[i].name, json_integer((json_int_t)v));
  }
  switch (ev->kind) {
  case TCP_TRACE_STATE:
    json_object_set_new(o, "old_state", json_string(tcp_state_name(ev->old_state)));
    break;
  case TCP_TRACE_RTT:
    json_object_set_new(o, "rtt_ms", json_integer((json_int_t)ev->rtt_ms));
    break;
  case TCP_TRACE_SEND:
  case TCP_TRACE_RETRANSMIT:
    json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
    json_object_set_new(o, "len", json_integer((json_int_t)ev->len));
    break;
  case TCP_TRACE_RECOVERY_ENTER:
  case TCP_TRACE_RECOVERY_EXIT:
    json_object_set_new(o, "reason", json_string(tcp_trace_reason_name(ev->reason)));
    break;
  default:
    break;
  }
  return o;
}

static bool filter_match(const struct tcptrace_filter *f, const struct tcp_trace_event *ev)
{
  if (f->has_local && (!IP_IS_V4(&ev->local_ip) || !ip4_addr_eq(&f->local, ip_2_ip4(&ev->local_ip)))) {
    return false;
  }
  if (f->has_remote && (!IP_IS_V4(&ev->remote_ip) || !ip4_addr_eq(&f->remote, ip_2_ip4(&ev->remote_ip)))) {
    return false;
  }
  return (f->local_port == 0 || f->local_port == ev->local_port) &&
         (f->remote_port == 0 || f->remote_port == ev->remote_port);
}

static bool any_sub(void)
{
  for (size_t i = 0; i < TCPTRACE_MAX_SUBS; i++) {
    if (subs[i].used) {
      return true;
    }
  }
  return false;
}

static void drop_sub(struct tcptrace_sub *s)
{
  s->used = false;
  if (!any_sub()) {
    tcp_set_trace_hook(NULL, NULL);
    LWIP_LOG(APP, DEBUG, "tcp trace: last subscriber gone, hook removed");
  }
}

/* The core's hook: runs inside TCP, so it only builds and queues JSON. */
static void trace_hook(const struct tcp_trace_event *ev, void *arg)
{
  (void)arg;
  json_t *o = NULL;
  for (size_t i = 0; i < TCPTRACE_MAX_SUBS; i++) {
    struct tcptrace_sub *s = &subs[i];
    if (!s->used || !filter_match(&s->f, ev)) {
      continue;
    }
    if (o == NULL && (o = tcptrace_event_json(ev)) == NULL) {
      return;
    }
    /* The copy is what the client gets; o stays for the next one. */
    if (!ctl_send_event(s->client, "tcp", json_deep_copy(o))) {
      drop_sub(s);
    }
  }
  json_decref(o);
}

static bool filter_parse(json_t *f, struct tcptrace_filter *out, struct ctl_reply *r)
{
  memset(out, 0, sizeof(*out));
  if (f == NULL || json_is_null(f)) {
    return true;
  }
  if (!json_is_object(f)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.tcp: an object {local, local_port, remote, remote_port}");
    return false;
  }
  const char *key;
  json_t *v;
  json_object_foreach(f, key, v) {
    if (strcmp(key, "local") != 0 && strcmp(key, "remote") != 0 && strcmp(key, "local_port") != 0 &&
        strcmp(key, "remote_port") != 0) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.tcp.%s: unknown; expected local, local_port, remote or remote_port", key);
      return false;
    }
  }
  long long lport = 0, rport = 0;
  out->has_local = arg_given(f, "local");
  out->has_remote = arg_given(f, "remote");
  if ((out->has_local && !arg_ip4(f, "local", true, &out->local, r)) ||
      (out->has_remote && !arg_ip4(f, "remote", true, &out->remote, r)) ||
      !arg_int(f, "local_port", false, 0, 65535, &lport, r) || !arg_int(f, "remote_port", false, 0, 65535, &rport, r)) {
    return false;
  }
  out->local_port = (u16_t)lport;
  out->remote_port = (u16_t)rport;
  return true;
}

bool tcptrace_subscribe(const struct ctl_req *req, json_t *f, struct ctl_reply *r)
{
  struct tcptrace_filter filter;
  if (!filter_parse(f, &filter, r)) {
    return false;
  }
  struct tcptrace_sub *slot = NULL;
  for (size_t i = 0; i < TCPTRACE_MAX_SUBS; i++) {
    if (subs[i].used && subs[i].client == req->client) {
      slot = &subs[i]; /* a second subscribe replaces the filter */
      break;
    }
    if (!subs[i].used && slot == NULL) {
      slot = &subs[i];
    }
  }
  if (slot == NULL) {
    ctl_error(r, CTL_E_BUSY, "%d clients already trace TCP", TCPTRACE_MAX_SUBS);
    return false;
  }
  slot->used = true;
  slot->client = req->client;
  slot->f = filter;
  tcp_set_trace_hook(trace_hook, NULL);
  return true;
}

void tcptrace_client_gone(uint64_t client)
{
  for (size_t i = 0; i < TCPTRACE_MAX_SUBS; i++) {
    if (subs[i].used && subs[i].client == client) {
      drop_sub(&subs[i]);
    }
  }
}

#else /* no tcp_trace in this build */

json_t *tcptrace_event_json(const struct tcp_trace_event *ev)
{
  (void)ev;
  return NULL;
}

bool tcptrace_subscribe(const struct ctl_req *req, json_t *f, struct ctl_reply *r)
{
  (void)req;
  (void)f;
  ctl_error(r, CTL_E_FAILED, "this build has no TCP trace events (tcp_trace=disabled)");
  return false;
}

void tcptrace_client_gone(uint64_t client)
{
  (void)client;
}

#endif
