/**
 * @file iperf.h
 * iperf 2 (2.1.x) and iperf3 (3.x) servers and clients on the raw API:
 * the protocol engines, without JSON, an event loop or OS calls.
 *
 * iperf3: a control TCP connection opens with a 37-byte cookie (36
 * characters and a NUL); the server then drives the test with one-byte
 * state messages, and both sides exchange JSON blocks, each preceded by
 * its length as a 4-byte big-endian number: the client's parameters after
 * PARAM_EXCHANGE, and each side's per-stream results after
 * EXCHANGE_RESULTS.  Data streams open with the same cookie (TCP) or a
 * 4-byte datagram answered by the server (UDP); UDP data carries seconds,
 * microseconds and a sequence number, big-endian, in its first 12 bytes.
 *
 * iperf 2: TCP is plain data; UDP datagrams carry a 32-bit sequence number,
 * seconds, microseconds and the sequence number's upper half.  The client
 * ends with datagrams carrying the negated sequence number, which the
 * server answers with its report (bytes, duration, lost, jitter).
 *
 * Jitter is the smoothed mean deviation of transit times, RFC 3550 6.4.1
 * (J += (|D| - J) / 16), as both iperfs compute it.
 *
 * Everything the engine needs from its host goes through one table,
 * struct iperf_ops: clocks, CPU use, and the JSON blocks of iperf3, which
 * the engine sees as the plain structs iperf3_params and iperf3_results.
 * The engine reports what it measures through the same table (a test
 * started, an interval closed, a test or an iperf 2 flow finished); the
 * host formats it as it likes.
 *
 * Memory: the caller owns the struct iperf_session (zeroed, then
 * configured, then iperf_start()); flows and control-connection buffers
 * come from the core heap (mem_malloc) and are freed by the engine, at the
 * latest by iperf_stop().  The fields of struct iperf_session and struct
 * iperf_flow below the configuration are the engine's: read them, never
 * write them.
 *
 * Not thread-safe: call from the stack's context, like every raw API call.
 */
#ifndef LWIP_APPS_IPERF_H
#define LWIP_APPS_IPERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most data streams of one test (iperf3 -P, iperf 2 client -P). */
#define IPERF_MAX_STREAMS 16
/** iperf3's cookie: 36 characters and a NUL. */
#define IPERF_COOKIE_LEN 37
/** Length of the iperf 2 UDP server report datagram. */
#define IPERF_V2_REPORT_LEN 128U

struct iperf_session;
struct iperf_flow;

/** What a flow is. */
enum iperf_flow_kind {
  IPERF_FLOW_PENDING, /**< a server connection whose cookie has not arrived */
  IPERF_FLOW_CTL,     /**< the iperf3 control connection */
  IPERF_FLOW_TCP,     /**< a TCP data stream */
  IPERF_FLOW_UDP,     /**< a UDP data stream */
};

/** Which step of iperf_start() failed (iperf_session.start_fail). */
enum iperf_start_fail {
  IPERF_START_OK = 0,
  IPERF_START_CTL_CONNECT, /**< iperf3 client: control connection (see error) */
  IPERF_START_UDP_PCB,     /**< client: no UDP PCB */
  IPERF_START_TCP_CONNECT, /**< iperf 2 client: a stream (see error, may be empty) */
  IPERF_START_TCP_PCB,     /**< server: no TCP PCB */
  IPERF_START_TCP_LISTEN,  /**< server: bind or listen failed (start_err) */
  IPERF_START_UDP_BIND,    /**< server: no UDP PCB or bind failed (start_err) */
};

/** iperf3 parameter block fields (bits of iperf3_params.has and .bad). */
enum {
  IPERF3_P_TIME = 0x01,
  IPERF3_P_PARALLEL = 0x02,
  IPERF3_P_LEN = 0x04,
  IPERF3_P_BANDWIDTH = 0x08,
  IPERF3_P_NUM = 0x10,
  IPERF3_P_BLOCKCOUNT = 0x20,
};

/** The client's parameters (the JSON block after PARAM_EXCHANGE). */
struct iperf3_params {
  bool is_object;          /**< decode: the block was a JSON object */
  bool udp;                /**< "udp": true (else "tcp": true) */
  bool reverse;            /**< "reverse": true */
  bool bidirectional;      /**< decode: "bidirectional" present */
  bool udp_counters_64bit; /**< decode: "udp_counters_64bit" present */
  uint32_t has;            /**< IPERF3_P_* integer fields present */
  uint32_t bad;            /**< decode: IPERF3_P_* present but not integers */
  int64_t time, parallel, len, bandwidth, num, blockcount;
  int64_t omit;               /**< encode: always 0 */
  int64_t pacing_timer;       /**< encode: microseconds (1000) */
  const char *client_version; /**< encode: "3.12" (a static string) */
};

/** One stream of an iperf3 results block. */
struct iperf3_stream_result {
  int64_t id;          /**< stream id; decode: -1 when absent or not whole */
  uint64_t bytes;      /**< bytes sent or received */
  int64_t retransmits; /**< -1 when not known */
  double jitter;       /**< seconds */
  uint64_t errors;     /**< lost datagrams */
  uint64_t packets;
  uint64_t omitted_packets;
  uint64_t outoforder; /**< decode only (we do not send it) */
  int64_t start_time;  /**< seconds, always 0 */
  double end_time;     /**< seconds */
};

/** One side's results block (after EXCHANGE_RESULTS).  Absent numbers
 *  decode as 0. */
struct iperf3_results {
  double cpu_util_total, cpu_util_user, cpu_util_system; /**< percent */
  int sender_has_retransmits; /**< 1 counted, 0 not counted, -1 unknown */
  int nstreams;                                          /**< entries in streams */
  struct iperf3_stream_result streams[IPERF_MAX_STREAMS];
};

/** The report an iperf 2 UDP server sends back to our client. */
struct iperf2_report {
  uint64_t bytes;
  double seconds;
  uint32_t lost, out_of_order, packets;
  double jitter_s;
};

/** CPU time used by the process (or the system), as the OS reports it. */
struct iperf_cpu {
  int64_t user_sec, user_usec, sys_sec, sys_usec;
};

/** Figures of one stream over one interval. */
struct iperf_interval_stream {
  int id;      /**< stream id */
  bool sender; /**< this side sent */
  uint64_t bytes;
  uint64_t packets, lost; /**< UDP only */
  double jitter_s;        /**< UDP only */
};

/** One closed interval (an entry of iperf3's "intervals"). */
struct iperf_interval {
  double start, end; /**< seconds since the test started */
  bool udp;          /**< the packet figures are meaningful */
  int nstreams;
  struct iperf_interval_stream streams[IPERF_MAX_STREAMS];
  struct iperf_interval_stream sum; /**< id 0; jitter is the streams' mean */
};

/**
 * What the engine needs from its host, and where it reports.  Every
 * function gets ctx (iperf_session.ops_ctx) first.  now_us and the four
 * JSON functions are required for iperf3; the rest may be NULL.
 */
struct iperf_ops {
  /** Monotonic microseconds (never 0 once running). */
  uint64_t (*now_us)(void *ctx);
  /** Wall-clock seconds and microseconds, for UDP timestamps.  NULL: now_us. */
  void (*wall_time)(void *ctx, uint32_t *sec, uint32_t *usec);
  /** CPU time used so far.  NULL: CPU figures stay 0. */
  void (*cpu_time)(void *ctx, struct iperf_cpu *cpu);
  /** A random number for cookies.  NULL: lwip_port_rand(). */
  uint32_t (*random)(void *ctx);
  /**
   * Write @p p as JSON text into buf (size bytes, no NUL needed).
   * @return the text's full length (more than size: call again with a
   *         buffer that large; buf may be NULL when size is 0), or -1 on
   *         failure.
   */
  long (*encode_params)(void *ctx, const struct iperf3_params *p, char *buf, size_t size);
  /**
   * Parse @p len bytes of JSON into @p p (zeroed by the engine).
   * @return true, or false when the text is not valid JSON (a valid
   *         non-object sets is_object false and returns true).
   */
  bool (*decode_params)(void *ctx, const char *text, size_t len, struct iperf3_params *p);
  /** As encode_params, for a results block. */
  long (*encode_results)(void *ctx, const struct iperf3_results *r, char *buf, size_t size);
  /** As decode_params, for a results block (numbers read as reals). */
  bool (*decode_results)(void *ctx, const char *text, size_t len, struct iperf3_results *r);
  /** A test started running (intervals begin).  May be NULL. */
  void (*test_started)(void *ctx, struct iperf_session *s);
  /** An interval closed.  May be NULL. */
  void (*interval)(void *ctx, struct iperf_session *s, const struct iperf_interval *ivl);
  /**
   * A result is final.  @p f NULL: the session's test (iperf3, iperf 2
   * client), whose flows, remote figures and error are still readable
   * during the call; else one finished iperf 2 server flow.  May be NULL.
   */
  void (*record)(void *ctx, struct iperf_session *s, const struct iperf_flow *f);
};

/** One connection or datagram flow (the engine's; read only). */
struct iperf_flow {
  struct iperf_flow *next;
  struct iperf_session *s;
  enum iperf_flow_kind kind;
  struct tcp_pcb *tcp;
  struct udp_pcb *udp; /**< owned when own_udp (client streams) */
  bool own_udp;
  ip_addr_t peer;
  u16_t peer_port;
  u16_t local_port;
  int id;      /**< stream id */
  bool sender; /**< this side sends on it */
  bool ready;  /**< handshake done */
  bool closed; /**< the TCP connection is gone */
  u8_t cookie[IPERF_COOKIE_LEN];
  u32_t cookie_len;
  u8_t *rx; /**< control: received, not yet parsed */
  u32_t rx_len;
  u8_t *txq; /**< control: waiting for send buffer space */
  u32_t txq_len;
  uint64_t bytes, packets, ivl_bytes, ivl_packets, ivl_lost0, ivl_ooo0;
  uint64_t lost, ooo, next_seq;
  int64_t max_seq;
  double jitter, prev_transit;
  bool have_transit;
  uint64_t first_us, last_us;
  bool v2_done; /**< iperf 2 UDP: the end datagram arrived */
  u8_t v2_report[IPERF_V2_REPORT_LEN];
};

/** An iperf server or client. */
struct iperf_session {
  /* ---- set by the caller before iperf_start() ---- */
  const struct iperf_ops *ops;
  void *ops_ctx;
  void *user; /**< the caller's, untouched */
  int id;     /**< for log lines */
  bool server;
  int version;         /**< 2 or 3 */
  bool udp;            /**< client: UDP test; v2 server: UDP only */
  bool tcp_on, udp_on; /**< server: which listeners */
  u16_t port;
  ip_addr_t target; /**< client: the server, IPv4 or IPv6 */
  u32_t duration_s;
  uint64_t bandwidth; /**< bits per second, 0 = unlimited */
  int nstreams;
  bool reverse;
  u32_t len;
  u32_t idle_s; /**< a test with no traffic for this long fails */
  /* ---- the engine's ---- */
  struct tcp_pcb *listener;
  struct udp_pcb *udp_srv;
  struct iperf_flow *flows; /**< in the order they were opened */
  const char *state;        /**< "listening", "running", "done", ... */
  char error[192];          /**< why the test failed ("" if it did not) */
  enum iperf_start_fail start_fail;
  err_t start_err;
  struct iperf_flow *ctl;
  u8_t cookie[IPERF_COOKIE_LEN];
  int t_state; /**< last iperf3 state message sent or received */
  bool expect_json;
  bool t_udp, t_reverse; /**< the test in progress */
  u32_t t_len, t_time;
  uint64_t t_bw;
  int t_streams, t_opened, next_stream_id;
  bool running, ended;
  uint64_t start_us, end_us, ivl_start_us;
  uint64_t end_due_us;
  u32_t fin_tries;
  struct iperf_cpu cpu0;
  double cpu_total, cpu_user, cpu_system; /**< percent of the test's wall time */
  bool have_remote;                       /**< remote3 or remote2 is filled */
  struct iperf3_results remote3;          /**< the peer's iperf3 results */
  struct iperf2_report remote2;           /**< iperf 2 client: the server's report */
  uint64_t tests;                         /**< finished tests (or iperf 2 flows) */
  double last_elapsed;                    /**< length of the last finished test */
  uint64_t activity_us;
};

/**
 * Start a session configured in @p s (zeroed, then the fields above the
 * engine's set): a server listens, a client connects.
 * @return ERR_OK; ERR_MEM (no PCB or memory), ERR_USE (port in use), or
 *         another error from bind/listen/connect; s->start_fail says which
 *         step failed.  On failure call iperf_stop() all the same.
 */
err_t iperf_start(struct iperf_session *s);

/** Stop a session: abort its connections, cancel its timers, free its
 *  flows.  The struct itself stays the caller's.  NULL is ignored. */
void iperf_stop(struct iperf_session *s);

/** Set the session's error (if none is set) and log it. */
void iperf_set_error(struct iperf_session *s, const char *msg);

/** Seconds the current (or else the last) test has run. */
double iperf_elapsed(const struct iperf_session *s);

/** Bits per second of @p bytes over @p seconds (0 when seconds is 0). */
double iperf_rate(uint64_t bytes, double seconds);

/** Seconds from @p from_us to @p to_us (0 if to_us is not later). */
double iperf_secs(uint64_t from_us, uint64_t to_us);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_APPS_IPERF_H */
