/**
 * @file sntpcmds.c
 * The SNTP client (core/apps/sntp.c, lwip/apps/sntp.h) on the control
 * socket: sntp.start, sntp.stop and sntp.status.
 *
 * lwipd's wall time is the host's CLOCK_REALTIME plus an offset this file
 * keeps: the client's clock hook reads it and each accepted reply adds its
 * measured offset to it.  The host's own clock is never changed, so
 * several daemons (and the test peers beside them) can run on one host.
 * Nothing of that clock goes on the wire (requests carry a random nonce),
 * so a recorded session replays to the same bytes whatever the host clock
 * says when it is replayed.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <string.h>
#include <time.h>

#include "lwip/debug.h"
#include "lwip/err.h"

#if LWIP_UDP
#include "lwip/apps/sntp.h"

static struct sntp client;

/* lwipd's wall time: the host's clock plus the corrections (32.32 s). */
static int64_t wall_correction;
static uint32_t wall_steps;

static sntp_ts_t wall_now(void *arg)
{
  (void)arg;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  return sntp_unix_us_to_ts(us) + (uint64_t)wall_correction;
}

static void wall_adjust(void *arg, const struct sntp_sample *s)
{
  (void)arg;
  wall_correction += s->offset;
  wall_steps++;
}

void sntpcmds_stop_all(void)
{
  sntp_stop(&client);
}

static json_t *sample_json(const struct sntp_info *in)
{
  if (!in->have_sample) {
    return json_null();
  }
  const struct sntp_sample *s = &in->last;
  return json_pack("{s:I, s:I, s:i, s:i, s:i, s:o, s:I, s:I}", "offset_us", (json_int_t)sntp_fixed_to_us(s->offset),
                   "delay_us", (json_int_t)sntp_fixed_to_us(s->delay), "stratum", s->stratum, "leap", s->leap,
                   "version", s->version, "server", json_ip4(ip_2_ip4(&in->servers[s->server].addr)), "age_ms",
                   (json_int_t)(uint32_t)(sys_now() - s->rx_ms), "server_time_us",
                   (json_int_t)sntp_ts_to_unix_us(s->server_tx));
}

static json_t *status_json(void)
{
  struct sntp_info in;
  sntp_get_info(&client, &in);
  json_t *servers = json_array();
  for (u8_t i = 0; i < in.num_servers; i++) {
    const struct sntp_server *s = &in.servers[i];
    json_array_append_new(servers, json_pack("{s:o, s:b, s:b, s:i, s:I}", "address", json_ip4(ip_2_ip4(&s->addr)),
                                             "current", i == in.cur, "denied", s->denied, "stratum", s->stratum,
                                             "replies", (json_int_t)s->replies));
  }
  const struct sntp_stats *st = &in.stats;
  json_t *counters =
      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests", (json_int_t)st->requests, "send_errors",
                (json_int_t)st->send_errors, "replies", (json_int_t)st->replies, "timeouts", (json_int_t)st->timeouts,
                "rejected", (json_int_t)st->rejected, "kiss_rate", (json_int_t)st->kiss_rate, "kiss_deny",
                (json_int_t)st->kiss_deny, "kiss_other", (json_int_t)st->kiss_other);
  bool running = sntp_running(&client);
  json_t *clock = json_pack("{s:I, s:I, s:i}", "offset_us", (json_int_t)sntp_fixed_to_us(wall_correction), "unix_us",
                            (json_int_t)sntp_ts_to_unix_us(wall_now(NULL)), "steps", (int)wall_steps);
  return json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:i, s:o, s:o, s:o}", "state", in.state, "servers", servers,
                   "from_dhcp", in.from_dhcp, "poll_s", running ? json_integer(in.poll_s) : json_null(), "next_in_ms",
                   running && in.next_in_ms > 0 ? json_integer(in.next_in_ms) : json_null(), "last", sample_json(&in),
                   "fails", in.fails, "counters", counters, "clock", clock, "running", json_boolean(running));
}

static json_t *cmd_sntp_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  if (sntp_running(&client)) {
    return ctl_error(r, CTL_E_BUSY, "the SNTP client is running (sntp.stop first)");
  }
  struct sntp_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  long long poll = 0, timeout = 0, backoff = 0;
  bool dhcp = false;
  if (!arg_int(args, "poll", false, SNTP_MIN_POLL_S, SNTP_MAX_POLL_S, &poll, r) ||
      !arg_int(args, "timeout_ms", false, 100, 60000, &timeout, r) ||
      !arg_int(args, "max_backoff", false, SNTP_MIN_POLL_S, SNTP_MAX_POLL_S, &backoff, r) ||
      !arg_bool(args, "dhcp", false, &dhcp, r)) {
    return NULL;
  }
  json_t *list = json_object_get(args, "servers");
  bool have_list = list != NULL && !json_is_null(list);
  if (have_list == dhcp) {
    return ctl_error(r, CTL_E_BAD_ARGS, "give args.servers (a list) or args.dhcp: true, not both");
  }
  if (have_list) {
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > SNTP_MAX_SERVERS) {
      return ctl_error(r, CTL_E_BAD_ARGS, "args.servers: a list of 1 to %u addresses", SNTP_MAX_SERVERS);
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
      ip4_addr_t a4;
      if (!json_is_string(v) || !ip4addr_aton(json_string_value(v), &a4) || ip4_addr_isany(&a4) ||
          ip4_addr_ismulticast(&a4) || ip4_addr_islimitedbroadcast(&a4)) {
        return ctl_error(r, CTL_E_BAD_ARGS, "args.servers[%zu]: not a unicast IPv4 address", i);
      }
      ip_addr_set_ip4(&cfg.servers[i], &a4);
    }
    cfg.num_servers = (u8_t)json_array_size(list);
  } else {
#if LWIP_DHCP
    if (!lwipd.netif_added) {
      return ctl_error(r, CTL_E_NOT_FOUND, "lwipd has no TAP netif");
    }
    cfg.dhcp_netif = &lwipd.netif;
#else
    return ctl_error(r, CTL_E_FAILED, "this build has no DHCP client (-Ddhcp=disabled)");
#endif
  }
  cfg.poll_s = (u32_t)poll;
  cfg.timeout_ms = (u32_t)timeout;
  cfg.max_backoff_s = (u32_t)backoff;
  cfg.clock_now = wall_now;
  cfg.clock_adjust = wall_adjust;
  err_t err = sntp_start(&client, &cfg);
  if (err != ERR_OK) {
    return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err),
                     lwip_strerr(err));
  }
  return status_json();
}

static json_t *cmd_sntp_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (!sntp_running(&client)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the SNTP client is not running");
  }
  json_t *o = status_json(); /* the counters as they ended */
  sntp_stop(&client);
  json_object_set_new(o, "state", json_string("off"));
  json_object_set_new(o, "running", json_false());
  return o;
}

static json_t *cmd_sntp_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return status_json();
}

#else /* !LWIP_UDP */

#define NO_UDP "this build has no UDP (-Dudp=disabled)"
static json_t *cmd_sntp_off(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, NO_UDP);
}
#define cmd_sntp_start cmd_sntp_off
#define cmd_sntp_stop cmd_sntp_off
#define cmd_sntp_status cmd_sntp_off

void sntpcmds_stop_all(void)
{
}
#endif

/* The sntp.* commands (docs/control-protocol.md). */
const struct ctl_cmd sntp_cmds[] = {
    {"sntp.start", cmd_sntp_start, "start the SNTP client: servers or DHCP option 42, poll interval"},
    {"sntp.stop", cmd_sntp_stop, "stop the SNTP client"},
    {"sntp.status", cmd_sntp_status, "SNTP servers, last offset/delay/stratum, state, next poll, counters, wall time"},
    {NULL, NULL, NULL},
};
