/**
 * @file sntp.h
 * SNTP client (RFC 4330; the client mode of NTPv4, RFC 5905) on the raw
 * UDP API: asks one unicast server at a time for the time, checks the
 * reply, computes the clock offset and round-trip delay (RFC 5905 8) and
 * hands them to a clock hook that sets the caller's notion of wall time.
 *
 * Servers are given by hand, or taken from a netif's DHCP lease (option
 * 42, RFC 2132 8.3) when the configuration names that netif.  Each request
 * carries a random 64-bit transmit timestamp (the server echoes it as the
 * origin timestamp), so the wire says nothing of our clock and an off-path
 * attacker cannot guess a reply; the local send and receive times are kept
 * here instead.
 *
 * A reply is taken only when it comes from the server and port asked, is in
 * server mode of version 3 or 4, echoes our transmit timestamp, has a
 * stratum of 1..15, a leap indicator other than 3 and a non-zero transmit
 * timestamp; anything else is dropped with a named reason (stats.h,
 * SNTP_*) and counted in struct sntp_stats.  A kiss-o'-death (RFC 5905
 * 7.4) is obeyed: RATE doubles the poll interval, DENY and RSTR stop all
 * requests to that server.
 *
 * Timing: one request per poll interval (default 64 s, never under 15 s:
 * RFC 4330 10).  A request unanswered after the reply timeout counts as a
 * failure, as does an authentic but unusable reply: the next request goes
 * to the next server after a retry interval that starts at 15 s and
 * doubles with each consecutive failure, up to the backoff limit.  A good
 * reply resets the backoff.
 *
 * Memory: the caller owns struct sntp (static or embedded); a running
 * client holds one UDP PCB and no other allocation (its timer lives in the
 * struct).  Not thread-safe: call from the stack's context.
 */
#ifndef LWIP_APPS_SNTP_H
#define LWIP_APPS_SNTP_H

#include "lwip/opt.h"

#if LWIP_UDP

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Servers one client keeps (given or from DHCP). */
#define SNTP_MAX_SERVERS 4U
/** Poll interval when the configuration says 0. */
#define SNTP_DEFAULT_POLL_S 64U
/** Shortest poll interval and first retry interval (RFC 4330 10: never
 *  poll a server more often than every 15 s). */
#define SNTP_MIN_POLL_S 15U
/** Longest poll interval: 2^17 s, NTPv4's MAXPOLL (RFC 5905 7.3). */
#define SNTP_MAX_POLL_S 131072UL
/** Reply timeout when the configuration says 0. */
#define SNTP_DEFAULT_TIMEOUT_MS 5000U
/** Backoff limit when the configuration says 0. */
#define SNTP_DEFAULT_MAX_BACKOFF_S 3600U

/** An NTP timestamp: seconds since 1900 (mod 2^32, any era) in the upper
 *  32 bits and the fraction of a second below. */
typedef u64_t sntp_ts_t;

/** States of a client. */
enum sntp_state {
  SNTP_STATE_OFF = 0,    /**< not running */
  SNTP_STATE_WAIT_REPLY, /**< a request is outstanding */
  SNTP_STATE_IDLE,       /**< waiting for the next poll */
  SNTP_STATE_NO_SERVER,  /**< no server to ask (none known, or all said DENY/RSTR) */
};

/** One accepted reply. offset and delay are signed 32.32 fixed point
 *  seconds (units of 2^-32 s); sntp_fixed_to_us() converts them. */
struct sntp_sample {
  int64_t offset;      /**< theta = ((T2 - T1) + (T3 - T4)) / 2: add it to our clock */
  int64_t delay;       /**< delta = (T4 - T1) - (T3 - T2), never below 0 */
  sntp_ts_t server_tx; /**< T3, the server's transmit timestamp */
  sntp_ts_t local_rx;  /**< T4, our clock when the reply arrived (before the correction) */
  u8_t stratum;        /**< 1..15 */
  u8_t leap;           /**< 0..2: none, +1 s, -1 s at the end of the month */
  u8_t version;        /**< 3 or 4 */
  u8_t server;         /**< index into the server list */
  u32_t rx_ms;         /**< sys_now() when the reply arrived */
};

/** Read the wall clock as an NTP timestamp. */
typedef sntp_ts_t (*sntp_clock_now_fn)(void *arg);
/** Correct the wall clock: add @p s->offset to it (the time at @p s->rx_ms
 *  is s->local_rx + s->offset).  Called once per accepted reply. */
typedef void (*sntp_clock_adjust_fn)(void *arg, const struct sntp_sample *s);

/** How to start a client.  Zero fields take the defaults above. */
struct sntp_config {
  ip_addr_t servers[SNTP_MAX_SERVERS]; /**< unicast servers, asked in turn */
  u8_t num_servers;                    /**< 0..SNTP_MAX_SERVERS */
  /** Take the servers from this netif's DHCP lease (option 42) instead;
   *  they are read again before every request, so a new lease's servers
   *  are used from the next poll.  NULL: use @p servers. */
  struct netif *dhcp_netif;
  u32_t poll_s;        /**< poll interval, SNTP_MIN_POLL_S..SNTP_MAX_POLL_S */
  u32_t timeout_ms;    /**< reply timeout, 100..60000 ms */
  u32_t max_backoff_s; /**< longest retry interval after failures */
  /** The clock hook (both or neither).  NULL: the client keeps its own
   *  clock (sys_now() plus the corrections; read it with sntp_now()),
   *  which starts at NTP time 0 of era 1 (2036-02-07) so the first offset
   *  stays within the +-68 years 64-bit NTP arithmetic covers. */
  sntp_clock_now_fn clock_now;
  sntp_clock_adjust_fn clock_adjust;
  void *clock_arg;
};

/** Counters of one client since it started. */
struct sntp_stats {
  u32_t requests;    /**< requests sent */
  u32_t send_errors; /**< requests that could not be built or sent */
  u32_t replies;     /**< replies accepted (offset taken) */
  u32_t timeouts;    /**< requests without an answer in time */
  u32_t rejected;    /**< replies dropped, whatever the reason (stats.h has each) */
  u32_t kiss_rate;   /**< RATE kisses: poll interval doubled */
  u32_t kiss_deny;   /**< DENY and RSTR kisses: server given up */
  u32_t kiss_other;  /**< other kiss codes (ignored, RFC 5905 7.4) */
};

/** A server as the client knows it. */
struct sntp_server {
  ip_addr_t addr;
  bool denied;  /**< said DENY or RSTR: never asked again */
  u8_t stratum; /**< of its last good reply, 0 if none */
  u32_t replies;
};

/** One client.  Owned by the caller; the fields are private to core/apps
 *  (read them through sntp_get_info()).  Zero it before sntp_start(). */
struct sntp {
  u8_t state; /**< enum sntp_state */
  u8_t num_servers;
  u8_t cur;   /**< server of the next or outstanding request */
  u8_t fails; /**< consecutive failed exchanges */
  bool have_sample;
  bool clock_set; /**< the built-in clock took a reply */
  struct sntp_server servers[SNTP_MAX_SERVERS];
  struct sntp_config cfg;
  u32_t poll_s;      /**< current poll interval (RATE doubles it) */
  u32_t next_ms;     /**< sys_now() of the pending timer */
  u32_t sent_ms;     /**< sys_now() of the outstanding request */
  sntp_ts_t nonce;   /**< transmit timestamp of the outstanding request */
  sntp_ts_t t1;      /**< our clock when it was sent */
  sntp_ts_t builtin; /**< built-in clock at builtin_ms */
  u32_t builtin_ms;
  struct udp_pcb *pcb;
  struct sys_timeo timeo;
  struct sntp_sample last; /**< last accepted reply */
  struct sntp_stats stats;
};

/** A client's state, as sntp_get_info() reports it. */
struct sntp_info {
  const char *state; /**< "off", "wait_reply", "idle" or "no_server" */
  u8_t num_servers;
  struct sntp_server servers[SNTP_MAX_SERVERS];
  u8_t cur;         /**< server asked next (or now) */
  bool from_dhcp;   /**< servers come from a DHCP lease */
  u32_t poll_s;     /**< current poll interval */
  u32_t next_in_ms; /**< until the next request or timeout (0 when none is pending) */
  u8_t fails;       /**< consecutive failures (backoff exponent) */
  bool have_sample; /**< last holds a reply */
  struct sntp_sample last;
  struct sntp_stats stats;
};

/**
 * Start @p c with @p cfg (copied).  The first request goes out on the next
 * timer run (sys_check_timeouts), so it is sent from the stack's context.
 * @return ERR_OK: running;
 *         ERR_ARG: @p c or @p cfg NULL, @p c running already, no servers
 *         and no dhcp_netif (or dhcp_netif without DHCP compiled in), a
 *         server that is not a unicast IPv4 address, an interval out of
 *         range, or only one of the clock hooks;
 *         ERR_MEM: no UDP PCB left;
 *         udp_bind()'s error when no ephemeral port is free.
 *         On any error nothing stays allocated and @p c is zeroed.
 */
err_t sntp_start(struct sntp *c, const struct sntp_config *cfg);

/** Stop @p c: its PCB and timer go, no hook is called afterwards, @p c is
 *  zeroed.  Stopping a zeroed client does nothing. */
void sntp_stop(struct sntp *c);

/** Whether @p c is running. */
bool sntp_running(const struct sntp *c);

/** Fill @p info with @p c's state (zeroed, state "off", when @p c is not
 *  running). */
void sntp_get_info(const struct sntp *c, struct sntp_info *info);

/** The wall clock as @p c knows it: the hook's, or the built-in one. */
sntp_ts_t sntp_now(struct sntp *c);

/** Name of an enum sntp_state ("idle"). */
const char *sntp_state_name(u8_t state);

/** A 32.32 fixed-point number of seconds (offset, delay) in microseconds,
 *  rounded toward zero. */
int64_t sntp_fixed_to_us(int64_t v);

/** An NTP timestamp as microseconds since the Unix epoch, taking seconds
 *  with the top bit clear as era 1 (2036-2104), as RFC 4330 3 suggests:
 *  valid from 1968 to 2104. */
int64_t sntp_ts_to_unix_us(sntp_ts_t ts);

/** The inverse of sntp_ts_to_unix_us() (same range). */
sntp_ts_t sntp_unix_us_to_ts(int64_t us);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_UDP */
#endif /* LWIP_APPS_SNTP_H */
