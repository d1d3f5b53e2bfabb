/**
 * @file mdns.h
 * Multicast DNS responder (RFC 6762) with DNS-based service discovery
 * (RFC 6763) on the raw UDP API, port 5353, over IPv4 (group 224.0.0.251)
 * and, in builds with IPv6, over IPv6 too (group ff02::fb).
 *
 * One responder serves one netif.  It owns the host name NAME.local (an A
 * record for the netif's IPv4 address and, in builds with IPv6, an AAAA
 * record for each of its first MDNS_MAX_AAAA usable IPv6 addresses) and up to
 * MDNS_MAX_SERVICES service instances, each with its records:
 *   _service._proto.local   PTR  instance._service._proto.local  (shared)
 *   instance._service._proto.local SRV 0 0 port NAME.local      (unique)
 *   instance._service._proto.local TXT key=value...             (unique)
 *   _services._dns-sd._udp.local PTR _service._proto.local       (shared)
 *
 * Life of the names (RFC 6762 8): three probes 250 ms apart (the first
 * after a random 0-250 ms), then two announcements 1 s apart, then the
 * responder answers queries.  A response claiming one of our names while
 * we probe, or a simultaneous probe that wins the tie-break of RFC 6762
 * 8.2, is a conflict: the host name becomes NAME-2 (then -3, ...), a
 * service instance "Inst (2)", and probing starts again.  After the
 * announcements a conflicting unique record (same name and type,
 * different data) sends the responder back to probing (RFC 6762 9).
 * After 15 conflicts within 10 s the next probe waits 5 s (8.1).
 *
 * Both families (RFC 6762 6, 20): probes, announcements and goodbyes go
 * to each group the netif can send to (224.0.0.251 while it has an IPv4
 * address, ff02::fb while it has a usable IPv6 one); a query is answered
 * over the family it came by, and the 1-second limit below is kept per
 * family, as each is a multicast domain of its own.  Every message
 * carries all records, A and AAAA alike, whatever family carries it.
 *
 * Answers: multicast, after 20-120 ms when the answer holds a shared
 * record (RFC 6762 6), at once when it holds unique records only; no
 * record is multicast again within 1 s.  A question with the
 * unicast-response bit (QU, 5.4) is answered by unicast when the record
 * was multicast within a quarter of its TTL; a query from a port other
 * than 5353 is a legacy unicast query (6.7), answered by unicast to that
 * port with its ID and questions echoed, TTLs at most 10 s and no
 * cache-flush bits.  Known answers with at least half our TTL left are
 * not repeated (7.1).  Stopping, or removing a service, sends goodbyes
 * (TTL 0, 10.1).  Link up restarts probing (13); an address change
 * re-announces.
 *
 * Received messages are copied into one static buffer and read with
 * bounds-checked accessors; a message that is too short, too big, has a
 * bad name (compression loop, pointer out of bounds, bad label type) or a
 * truncated question or record is dropped with a named reason (stats.h,
 * MDNS_*).
 *
 * Memory: the caller owns struct mdns (static or embedded); a running
 * responder holds one dual-stack UDP PCB (port 5353), one IGMP membership
 * (and with IPv6 one MLD membership) and an outgoing pbuf only while it
 * sends.  Not thread-safe: call from the stack's context.  Needs UDP and
 * IGMP.
 */
#ifndef LWIP_APPS_MDNS_H
#define LWIP_APPS_MDNS_H

#include "lwip/opt.h"

#if LWIP_UDP && LWIP_IGMP

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Service instances one responder announces. */
#define MDNS_MAX_SERVICES 4U
/** AAAA records at most (the netif's first usable IPv6 addresses). */
#define MDNS_MAX_AAAA 3U
/** Longest label (RFC 1035 2.3.4): host name, instance name. */
#define MDNS_LABEL_MAX 63U
/** Longest service label with its underscore (RFC 6763 7.2: 15 + 1). */
#define MDNS_SERVICE_MAX 16U
/** Largest TXT record data (RFC 6763 6.2 keeps it under 200 bytes). */
#define MDNS_TXT_MAX 200U
/** TTL of records naming the host: A, AAAA, SRV (RFC 6762 10). */
#define MDNS_TTL_HOST 120U
/** TTL of the other records: PTR, TXT (RFC 6762 10, 75 minutes). */
#define MDNS_TTL_OTHER 4500U
/** Largest TTL in a legacy unicast answer (RFC 6762 6.7). */
#define MDNS_TTL_LEGACY 10U
/** Probes, and their spacing (RFC 6762 8.1). */
#define MDNS_PROBES 3U
#define MDNS_PROBE_INTERVAL_MS 250U
/** Announcements, and their spacing (RFC 6762 8.3: at least two, 1 s). */
#define MDNS_ANNOUNCEMENTS 2U
#define MDNS_ANNOUNCE_INTERVAL_MS 1000U
/** Renames tried before the responder gives up (state "conflict"). */
#define MDNS_MAX_RENAMES 99U
/** Address families a responder speaks: IPv4, and IPv6 when built. */
#define MDNS_FAMILIES (LWIP_IPV6 ? 2U : 1U)

/** Transport of a service (the _proto label). */
enum mdns_proto {
  MDNS_PROTO_UDP = 0, /**< _udp */
  MDNS_PROTO_TCP = 1, /**< _tcp */
};

/** States of a responder. */
enum mdns_state {
  MDNS_STATE_OFF = 0,    /**< not running */
  MDNS_STATE_PROBING,    /**< probing its names (RFC 6762 8.1) */
  MDNS_STATE_ANNOUNCING, /**< announcing (8.3) and answering */
  MDNS_STATE_ANNOUNCED,  /**< answering queries */
  MDNS_STATE_LINK_DOWN,  /**< waiting for the link (or an address) */
  MDNS_STATE_GAVE_UP,    /**< MDNS_MAX_RENAMES renames failed */
};

/** One service instance.  Read it through mdns_get_info(). */
struct mdns_service {
  bool used;
  u8_t proto;                         /**< enum mdns_proto */
  u16_t port;                         /**< SRV port */
  u16_t txt_len;                      /**< bytes of txt (at least 1) */
  u8_t renames;                       /**< 0, or N of "name (N+1)" */
  char base[MDNS_LABEL_MAX + 1];      /**< instance name as added */
  char name[MDNS_LABEL_MAX + 1];      /**< instance name now (renamed) */
  char service[MDNS_SERVICE_MAX + 1]; /**< "_http" */
  u8_t txt[MDNS_TXT_MAX];             /**< TXT rdata (RFC 6763 6) */
};

/** Counters of one responder since it started. */
struct mdns_stats {
  u32_t rx_queries;     /**< queries taken (probes included) */
  u32_t rx_responses;   /**< responses looked at for conflicts */
  u32_t probes;         /**< probes sent */
  u32_t announcements;  /**< announcements sent */
  u32_t responses;      /**< multicast responses sent */
  u32_t unicast;        /**< unicast (QU) responses sent */
  u32_t legacy;         /**< legacy unicast responses sent */
  u32_t ka_suppressed;  /**< answers left out: the querier knew them (7.1) */
  u32_t conflicts;      /**< conflicts seen (probing or after) */
  u32_t tiebreaks_lost; /**< simultaneous probes lost (8.2) */
  u32_t renames;        /**< names changed after a conflict */
  u32_t goodbyes;       /**< goodbye messages sent */
  u32_t send_errors;    /**< messages not built (memory) or not sent */
};

/** One responder.  Owned by the caller; the fields are private to
 *  core/apps (read them through mdns_get_info()).  Zero it before
 *  mdns_start(). */
struct mdns {
  u8_t state;            /**< enum mdns_state */
  u8_t step;             /**< probes or announcements sent in this round */
  u8_t renames;          /**< host renames: 0, or N of NAME-(N+1) */
  u8_t conflicts_window; /**< conflicts in the rate window (8.1) */
  bool joined6;          /**< ff02::fb joined (while the netif has IPv6) */
  u32_t window_start;    /**< sys_now() the window began */
  struct netif *netif;
  struct udp_pcb *pcb;
  char base[MDNS_LABEL_MAX + 1];     /**< host name as given */
  char hostname[MDNS_LABEL_MAX + 1]; /**< host name now (renamed) */
  struct mdns_service services[MDNS_MAX_SERVICES];
  /** Records waiting for the delayed multicast answer, per family. */
  u32_t pending[MDNS_FAMILIES];
  /** sys_now() each record was last multicast, per family (0: never). */
  u32_t last_mc[MDNS_FAMILIES][4 + 4 * MDNS_MAX_SERVICES];
  u32_t next_ms; /**< sys_now() of the probe/announce timer */
  struct sys_timeo timeo;
  struct sys_timeo resp_timeo;
  struct mdns *next; /**< running responders (netif change callback) */
  struct mdns_stats stats;
};

/** A service as mdns_get_info() reports it. */
struct mdns_service_info {
  u8_t slot;
  u8_t proto;
  u16_t port;
  u16_t txt_len;
  const char *name;    /**< instance name now */
  const char *base;    /**< as added */
  const char *service; /**< "_http" */
  const u8_t *txt;
};

/** A responder's state, as mdns_get_info() reports it (pointers into the
 *  responder: valid until it changes). */
struct mdns_info {
  const char *state;    /**< "off", "probing", "announcing", "announced", "link_down", "gave_up" */
  const char *hostname; /**< NAME (without ".local") now */
  const char *base;     /**< as given to mdns_start() */
  struct netif *netif;
  u8_t renames;
  u8_t records; /**< records owned now */
  u8_t num_services;
  struct mdns_service_info services[MDNS_MAX_SERVICES];
  struct mdns_stats stats;
};

/**
 * Start @p m on @p netif for host name @p hostname (one label: letters,
 * digits and hyphens, 1..63; no ".local").  Joins 224.0.0.251 on the
 * netif when it has NETIF_FLAG_IGMP (without it the responder runs over
 * IPv6 alone) and ff02::fb whenever the netif has an IPv6 address, binds
 * UDP port 5353 on both families and
 * starts probing on the next timer run (or when the link is up and the
 * netif has an IPv4 address or a usable IPv6 one).
 * @return ERR_OK: running;
 *         ERR_ARG: NULL argument, @p m running already, a bad host name,
 *         or a netif with neither NETIF_FLAG_IGMP nor (in builds with
 *         IPv6) NETIF_FLAG_MLD6;
 *         ERR_MEM: no UDP PCB, IGMP or MLD group left;
 *         ERR_USE: port 5353 taken by another PCB.
 *         On any error nothing stays allocated and @p m is zeroed.
 */
err_t mdns_start(struct mdns *m, struct netif *netif, const char *hostname);

/** Stop @p m: goodbyes (TTL 0) for every record it announced, then the
 *  PCB, the group membership and the timers go, and @p m is zeroed.
 *  Stopping a zeroed responder does nothing. */
void mdns_stop(struct mdns *m);

/**
 * Add a service instance and probe for it (the responder probes all its
 * names again, then announces them).
 * @param instance instance name, 1..63 bytes of UTF-8 (dots and spaces
 *        allowed: it is one label)
 * @param service service label with its underscore, "_http" (2..16:
 *        letters, digits, hyphens)
 * @param proto MDNS_PROTO_TCP or MDNS_PROTO_UDP
 * @param txt TXT rdata in wire form (mdns_txt_append() builds it), or NULL
 *        with @p txt_len 0 for the empty TXT record (one zero byte)
 * @param slot where the service's slot goes (may be NULL)
 * @return ERR_OK; ERR_ARG: @p m not running or a bad argument (TXT larger
 *         than MDNS_TXT_MAX or not a sequence of length-prefixed
 *         strings); ERR_VAL: the same instance of the same service exists;
 *         ERR_MEM: all MDNS_MAX_SERVICES slots are taken.
 */
err_t mdns_add_service(struct mdns *m, const char *instance, const char *service, u8_t proto, u16_t port,
                       const u8_t *txt, u16_t txt_len, u8_t *slot);

/** Remove the service in @p slot, sending goodbyes for its records when
 *  they were announced.  @return ERR_OK, or ERR_ARG (not running, or no
 *  service there). */
err_t mdns_remove_service(struct mdns *m, u8_t slot);

/** Slot of the service whose instance name (as added, or now) is
 *  @p instance (ASCII case ignored), and of @p service when it is not
 *  NULL.  @return the slot, or -1. */
int mdns_find_service(const struct mdns *m, const char *instance, const char *service);

/** Announce everything again (RFC 6762 8.4: after a change of data).
 *  Does nothing while probing or not running. */
void mdns_announce(struct mdns *m);

/** Whether @p m is running. */
bool mdns_running(const struct mdns *m);

/** Fill @p info with @p m's state (zeroed, state "off", when not running). */
void mdns_get_info(const struct mdns *m, struct mdns_info *info);

/** Name of an enum mdns_state ("probing"). */
const char *mdns_state_name(u8_t state);

/** Append the string @p kv ("key=value", 1..255 bytes) to the TXT rdata
 *  @p txt of *@p len bytes, @p cap at most.  @return ERR_OK, or ERR_ARG
 *  (empty, longer than 255, or no room). */
err_t mdns_txt_append(u8_t *txt, u16_t *len, u16_t cap, const char *kv);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_UDP && LWIP_IGMP */
#endif /* LWIP_APPS_MDNS_H */
