/**
 * @file lwipd.h
 * The lwipd daemon: the core on a TAP device, one libevent loop, a control
 * socket.  Shared declarations of the daemon's parts:
 *   main.c  options, setup, the event loop and shutdown
 *   ctl.c   the control socket: clients, JSON lines, limits, events
 *   cmds.c  the commands (status, netif.*, arp.*, stats, log.*, capture.*,
 *           impair.*, ip.forward, subscribe)
 *   apps.c  udp-echo and udp-discard apps (app.*)
 *   ping.c  the deferred ping command
 *   tcpcmds.c  tcp.list, tcp.abort and the deferred tcp.connect client
 *   netapps.c  the DHCP client and DNS resolver commands (dhcp.*, dns.*)
 *   sock.c  socket calls on the stack over the control socket (sock.*)
 *   ip6cmds.c  IPv6 start-up (link-local, static addresses, SLAAC) and the
 *           IPv6 commands (netif.addr6.*, nd.*, mld.list, pmtu.list)
 */
#ifndef LWIPD_H
#define LWIPD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lwip/netif.h"

#include "args.h"

struct event_base;
struct tap_dev;
struct impair_dev;
struct pcap_dev;

/** Most static IPv6 addresses --ip6 may give (the build's
 *  ipv6_num_addresses, less the link-local slot, is the real limit). */
#define LWIPD_IP6_MAX_STATIC 16

/** How lwipd brings IPv6 up on its netif (--ip6, --iid, --no-slaac), kept
 *  so record.start can rebuild it and a replay case can carry it. */
struct lwipd_ip6_conf {
  bool slaac; /**< accept RA prefixes (netif->ip6_autoconfig_enabled) */
  bool eui64; /**< modified EUI-64 identifiers instead of RFC 7217 ones */
  int naddr;  /**< static addresses in addr[] */
  struct {
    ip6_addr_t addr;
    uint8_t prefix;
  } addr[LWIPD_IP6_MAX_STATIC];
};

/** The daemon's state: one per process. */
/** --busy-poll: after each pass of the event loop that had work, lwipd
 *  keeps polling without sleeping, for up to usec microseconds after the
 *  last frame it read, before it sleeps in libevent again. */
struct lwipd_busy_poll {
  uint32_t usec;   /**< 0: off (the default) */
  uint64_t rounds; /**< polling rounds begun: one per wake-up from sleep */
  uint64_t passes; /**< non-blocking passes of the event loop */
  uint64_t hits;   /**< passes that read frames from the TAP */
};

struct lwipd {
  struct event_base *base;
  struct tap_dev *tap;
  struct impair_dev *impair;
  struct pcap_dev *capture;     /**< NULL when not capturing */
  char *capture_path;
  struct netif netif;           /**< the TAP netif */
  bool netif_added;
  bool tap_gone;                /**< the TAP device disappeared */
  bool seeded;
  uint64_t seed;
  uint32_t start_ms;
  const char *ctl_path;
  struct lwipd_ip6_conf ip6; /**< IPv6 start-up configuration */
  struct lwipd_busy_poll busy_poll;
  int io_uring_mode;            /**< --io-uring: enum tap_uring_mode */
  char io_uring_refused[256];   /**< why --io-uring auto found no ring at start ("" when one started) */
};

extern struct lwipd lwipd;

/* ---- main.c ---- */
/** Arm the single core timer for the next lwIP deadline (tickless).  Call
 *  after any work that may have changed the timer list. */
void lwipd_schedule(void);

/** Start handling one event (frames, a timer run, a control command): the
 *  clock is frozen for its length (see unix_port_clock_set).
 *  lwipd_schedule() ends it. */
void lwipd_event_begin(void);

struct ctl_req;
struct ctl_reply;

/* ---- record.c (recording a replay case) ---- */
bool record_active(void);
/** Note a timer run / a control command in the recorded event log. */
void record_timers(void);
/** Note the end of a batch of frames read from the TAP (tcp_batch_end). */
void record_batch_end(void);
void record_command(const char *cmd, json_t *args);
typedef json_t *(*ctl_cmd_fn)(struct ctl_req *req, json_t *args, struct ctl_reply *r);
/** One control command: its name, handler and a line of help.  Each module
 *  exports a table of them ended by a NULL name; cmds.c keeps the registry
 *  of tables. */
struct ctl_cmd {
  const char *name;
  ctl_cmd_fn fn;
  const char *help;
};
/** The command tables of the modules. */
extern const struct ctl_cmd record_cmds[], ping_cmds[], tcp_cmds[], sock_cmds[], netapps_cmds[], apps_cmds[],
    iperf_cmds[], sntp_cmds[], mqtt_cmds[], mdns_cmds[], tftp_cmds[];
/** Stop recording and write case.json (shutdown). @p r may be NULL. */
json_t *record_stop_now(struct ctl_reply *r);

/* ---- cmds.c ---- */
/** Stop every job of the control socket (pings, tcp.connect, sockets,
 *  iperf, apps): their PCBs, timers and deferred replies go. */
void cmds_stop_jobs(void);

/* ---- ctl.c ---- */
/** Start listening on @p path (mode 0600, parent directory created).
 *  @return 0, or -1 with a message printed. */
int ctl_open(struct event_base *base, const char *path);
void ctl_close(void);

/** A request being answered: which client (by serial, so a client that
 *  went away is detected) and the id to echo. */
struct ctl_req {
  uint64_t client;
  json_t *id; /**< owned reference */
  bool pending; /**< counts against its client's limit of pending calls
                     until ctl_reply_later() or ctl_req_release() */
};

/** The services command handlers get from whoever runs them: lwipd's
 *  control socket (ctl.c) or lwip-replay, each registering its own table
 *  with ctl_set_ops() before the first command (libevent's backend-ops
 *  pattern).  The functions below call through it. */
struct ctl_ops {
  void (*reply_later)(struct ctl_req *req, json_t *result, const char *code, const char *message);
  void (*req_release)(struct ctl_req *req);
  bool (*req_alive)(const struct ctl_req *req);
  void (*broadcast)(unsigned cls, const char *name, json_t *ev);
  void (*subscribe)(const struct ctl_req *req, unsigned mask);
  bool (*has_subscribers)(unsigned cls);
  json_t *(*status)(void);
  bool (*send_event)(uint64_t client, const char *name, json_t *ev);
};
/** Register the services (daemon/ctlops.c).  @p ops must outlive its use. */
void ctl_set_ops(const struct ctl_ops *ops);

/** Send a deferred reply: @p result (stolen) or an error.  Does nothing if
 *  the client has gone.  Frees the request's id. */
void ctl_reply_later(struct ctl_req *req, json_t *result, const char *code, const char *message);
/** Drop a deferred request without replying (its client went away). */
void ctl_req_release(struct ctl_req *req);
/** Is the client of @p req still connected? */
bool ctl_req_alive(const struct ctl_req *req);

/** Subscription classes. */
#define CTL_EV_LINK 0x1U
#define CTL_EV_ADDRESS 0x2U
#define CTL_EV_ARP 0x4U
#define CTL_EV_LOG 0x8U
#define CTL_EV_DHCP 0x10U
#define CTL_EV_MQTT 0x20U
#define CTL_EV_ND 0x40U
#define CTL_EV_ALL 0x7fU
/** TCP trace events: not in CTL_EV_ALL (a transfer makes thousands), and
 *  sent per client through its filter (tcptrace.c), never broadcast. */
#define CTL_EV_TCP 0x80U
/** Send @p ev (stolen; "event" and "time_ms" are added) to every client
 *  subscribed to @p cls. */
void ctl_broadcast(unsigned cls, const char *name, json_t *ev);
/** Make the client of @p req a subscriber of @p mask. */
void ctl_subscribe(const struct ctl_req *req, unsigned mask);
/** Is anyone subscribed to @p cls? (saves building unused events) */
bool ctl_has_subscribers(unsigned cls);
/** Send @p ev (stolen; "event" and "time_ms" are added) to one client.
 *  @return false when that client is gone (nothing sent). */
bool ctl_send_event(uint64_t client, const char *name, json_t *ev);
/** The control socket's clients, counters and limits, as `status` shows
 *  them under "control".  @return a new object. */
json_t *ctl_status_json(void);

/* ---- cmds.c ---- */
/** Find the handler of @p cmd in the registry (every module's table), or
 *  NULL. */
ctl_cmd_fn cmds_find(const char *cmd);
/** Find @p cmd in one NULL-ended @p table, or NULL. */
ctl_cmd_fn ctl_cmd_lookup(const struct ctl_cmd *table, const char *cmd);
/** Watch the stack for events (netif changes, ARP updates). */
void cmds_events_init(void);
/** Start capturing the TAP netif's frames to @p file (--pcap and
 *  capture.start).  @return 0, or -1 with a message in @p err. */
int cmds_capture_start(const char *file, char *err, size_t errlen);
/** Stop the capture.  @return the frames it wrote. */
uint64_t cmds_capture_stop(void);
/** The netif as netif.list shows it. */
json_t *cmds_netif_json(struct netif *n);
/* ---- ip6cmds.c (IPv6 start-up and commands) ---- */
/** Bring IPv6 up on @p n as @p c says (call before netif_set_up): the RFC
 *  7217 secret from lwipd's seed when seeded, the identifier mode, SLAAC on
 *  or off, the link-local address (DAD and router solicitation follow when
 *  the netif is up), then the static addresses.  Without IPv6 in the build
 *  it fails when @p c asks for anything.
 *  @return 0, or -1 with a message in @p err. */
int ip6cmds_setup(struct netif *n, const struct lwipd_ip6_conf *c, char *err, size_t errlen);
/** @p c as a JSON object (record.start's case.json "netif"."ip6"). */
json_t *ip6cmds_conf_json(const struct lwipd_ip6_conf *c);
/** Read ip6cmds_conf_json()'s object back into @p c.
 *  @return 0, or -1 with a message in @p err. */
int ip6cmds_conf_from_json(json_t *o, struct lwipd_ip6_conf *c, char *err, size_t errlen);
/** Watch IPv6 address states and the neighbor cache for `address6` and
 *  `nd` events (again after each lwip_init()). */
void ip6cmds_events_init(void);
/** The IPv6 addresses of @p n for netif.list (an empty list without IPv6). */
json_t *ip6cmds_addrs_json(struct netif *n);
/** Append the IPv6 routes (on-link prefixes, default routers) to @p a. */
void ip6cmds_routes_json(json_t *a);
/** An IPv6 address as a JSON string, without its zone. */
json_t *json_ip6(const ip6_addr_t *a);
/** Parse args.@p key as an IPv6 address with an optional zone ("%tap0",
 *  "%tp1"); a link-local one without a zone gets the default netif's.
 *  @return false with a bad_args error set. */
bool arg_ip6_zoned(json_t *args, const char *key, bool required, ip6_addr_t *out, struct ctl_reply *r);
/** Parse args.@p key as an address of either family: IPv6 when it holds a
 *  ':' (with an optional "%zone", as arg_ip6_zoned), else IPv4.
 *  @return false with a bad_args error set. */
bool arg_ip(json_t *args, const char *key, bool required, ip_addr_t *out, struct ctl_reply *r);
/** An address of either family as a JSON string: dotted IPv4, RFC 5952
 *  IPv6 (a scoped one with "%" and its netif's name, which arg_ip reads
 *  back), "*" for the dual-stack (IPADDR_TYPE_ANY) wildcard. */
json_t *json_ip_zoned(const ip_addr_t *a);
/** "inet", "inet6" or "any" (dual-stack): the family of @p a. */
const char *ip_family_name(const ip_addr_t *a);
extern const struct ctl_cmd ip6_cmds[];

/* ---- apps.c ---- */
size_t apps_count(void);
void apps_stop_all(void);

/* ---- ping.c ---- */
void ping_stop_all(void);

/* ---- tcpcmds.c ---- */
/** Answer running tcp.connect requests with an error and abort their
 *  connections (stack restart, shutdown). */
void tcpcmds_stop_all(void);

/* ---- tcptrace.c (TCP trace events, the `tcp` subscription) ---- */
struct tcp_trace_event;
/** One trace event as the JSON object of a `tcp` event (docs/tcp-trace.md),
 *  without "event" and "time_ms".  @return a new object. */
json_t *tcptrace_event_json(const struct tcp_trace_event *ev);
/** Subscribe the client of @p req to TCP trace events through the filter
 *  in @p f (NULL or an object with local, local_port, remote, remote_port,
 *  each optional), replacing its earlier filter; installs the core's hook.
 *  @return false with an error set in @p r (bad filter, or no tcp_trace in
 *  this build). */
bool tcptrace_subscribe(const struct ctl_req *req, json_t *f, struct ctl_reply *r);
/** A control connection closed: drop its subscription (and the hook with
 *  the last one).  Called by ctl.c. */
void tcptrace_client_gone(uint64_t client);

/* ---- sock.c (the sock.* family: socket calls over the control socket) ---- */
/** A control connection closed: release its sockets and blocked calls
 *  (soon, from a timer, never inside a stack callback).  Called by ctl.c. */
void sock_client_gone(uint64_t client);
/** Answer every blocked sock call and free every socket (stack restart,
 *  shutdown). */
void sock_stop_all(void);

/* ---- netapps.c ---- */
/** Hook the DHCP client's state and DNS callbacks (again after each
 *  lwip_init()); fails dns.resolve requests the restart forgot. */
void netapps_init(void);
/** Answer pending dns.resolve requests with an error (shutdown). */
void netapps_stop_all(void);
/** Send DHCPRELEASE for every lease held (clean shutdown).
 *  @return the number of releases handed to the stack. */
int netapps_dhcp_release_all(void);
/** An RA's RDNSS list changed: its servers become the resolver's unless
 *  dns.servers or a DHCP lease set some (RFC 8106 5.3.1).  @p gone_slot:
 *  the RDNSS slot being removed, -1 for none. */
void netapps_rdnss_changed(int gone_slot);

/* ---- dhcp6cmds.c (the DHCPv6 client, dhcp6.*) ---- */
/** Hook the DHCPv6 client's state and DNS callbacks (again after each
 *  lwip_init()). */
void dhcp6cmds_init(void);
extern const struct ctl_cmd dhcp6_cmds[];

/* ---- sntpcmds.c (the SNTP client, sntp.*) ---- */
/** Stop the SNTP client (stack restart, shutdown). */
void sntpcmds_stop_all(void);

/* ---- mqttcmds.c (the MQTT client, mqtt.*) ---- */
/** Disconnect the MQTT client, answering its deferred requests, and
 *  forget the received messages (stack restart, shutdown). */
void mqttcmds_stop_all(void);

/* ---- mdnscmds.c (the mDNS responder, mdns.*) ---- */
/** Stop the mDNS responder, with goodbyes (stack restart, shutdown). */
void mdnscmds_stop_all(void);
/** The HTTP server started on @p port, or stopped (0): announce or withdraw
 *  it as HOSTNAME._http._tcp while the responder runs. */
void mdnscmds_http_changed(u16_t port);

/* ---- httpcmds.c (the HTTP server, http.*) ---- */
extern const struct ctl_cmd http_cmds[];
/** Stop the HTTP server, resetting its connections (stack restart, shutdown). */
void httpcmds_stop_all(void);

/* ---- tftpcmds.c (the TFTP server, tftp.*) ---- */
/** Stop the TFTP server, cutting its transfers (stack restart, shutdown). */
void tftpcmds_stop_all(void);

/* ---- iperf.c (iperf 2 and iperf3 servers and clients) ---- */
/** Stop every iperf session, aborting its connections (shutdown). */
void iperf_stop_all(void);
struct iperf_ops;
/** The daemon's iperf_ops (jansson encoding of iperf3's JSON blocks,
 *  clocks, CPU use); exposed for the unit test of the JSON codec. */
const struct iperf_ops *iperf_daemon_ops(void);

#endif
