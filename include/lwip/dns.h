/**
 * @file dns.h
 * DNS stub resolver (RFC 1035; AAAA records RFC 3596) with lwIP's API, and
 * one-shot multicast DNS queries (RFC 6762 5.1) for names under ".local".
 *
 * Each lookup gets its own UDP PCB on a random ephemeral port and a random
 * 16-bit ID, and its question name is sent with randomised letter case
 * (DNS 0x20, draft-vixie-dnsext-dns0x20).  An answer is accepted only from
 * a server this lookup was sent to, from port 53, with the same ID and the
 * question echoed byte for byte (case included).  Everything else is
 * dropped and counted; a malformed message never ends a lookup, so a
 * spoofer cannot cut it short by sending garbage.
 *
 * Retries: a lookup sends to server 0, waiting 1 s, 2 s, 4 s, 4 s ...
 * (DNS_TMR_MAX_MS caps the doubling) between tries, DNS_MAX_RETRIES tries
 * per server, then moves on to the next configured server (where the wait
 * starts again at 1 s).  When every server had its tries the lookup fails
 * with DNS_STATUS_TIMEOUT.  Timers exist only while lookups are pending.
 *
 * Results with a TTL above zero are cached (DNS_TABLE_SIZE names, least
 * recently used evicted first, TTL capped at DNS_MAX_TTL); expired entries
 * are dropped when looked at, so the cache needs no timer.
 */
#ifndef LWIP_DNS_H
#define LWIP_DNS_H

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DNS servers that can be configured. */
#define DNS_MAX_SERVERS 2
/** Names the cache holds. */
#define DNS_TABLE_SIZE 8
/** Lookups in flight at once (each holds a UDP PCB and a timer). */
#define DNS_MAX_REQUESTS 4
/** Tries per server before moving on. */
#define DNS_MAX_RETRIES 3
/** First wait for an answer, and the cap of its doubling (ms). */
#define DNS_TMR_INITIAL_MS 1000U
#define DNS_TMR_MAX_MS 4000U
/** Cap on the TTL we honour, in seconds (one day). */
#define DNS_MAX_TTL 86400U
/** CNAME records followed within one answer. */
#define DNS_MAX_CNAME_CHAIN 8
/** Addresses kept per name (the rest of an RRset is ignored). */
#define DNS_MAX_ADDRS 4
/** Entries of the local host table. */
#define DNS_LOCAL_HOSTLIST_MAX 8
/** Buffer size for a name including its NUL (lwIP's name). */
#define DNS_MAX_NAME_LENGTH 256
/** Index reported for answers from the mDNS group rather than a server. */
#define DNS_SERVER_IDX_MDNS 0xfeU
/** Index reported when no server was involved (literal, local table, cache). */
#define DNS_SERVER_IDX_NONE 0xffU

/** Address families asked for (lwIP's values). */
#define LWIP_DNS_ADDRTYPE_IPV4 0
#define LWIP_DNS_ADDRTYPE_IPV6 1
#define LWIP_DNS_ADDRTYPE_IPV4_IPV6 2 /**< A first; AAAA if the name has no A */
#define LWIP_DNS_ADDRTYPE_IPV6_IPV4 3 /**< AAAA first; A if the name has no AAAA */
#define LWIP_DNS_ADDRTYPE_DEFAULT LWIP_DNS_ADDRTYPE_IPV4

/** How a lookup ended (struct dns_result.status). */
enum dns_status {
  DNS_STATUS_OK = 0,
  DNS_STATUS_NXDOMAIN,  /**< the name does not exist (RCODE 3) */
  DNS_STATUS_NODATA,    /**< the name exists but has no record of the type */
  DNS_STATUS_TRUNCATED, /**< TC set: the answer did not fit a UDP message */
  DNS_STATUS_SERVFAIL,  /**< any other RCODE (server failure, refused, ...) */
  DNS_STATUS_TIMEOUT,   /**< no acceptable answer from any server */
  DNS_STATUS_NO_MEM,    /**< a retry could not be sent for lack of memory */
  DNS_STATUS_COUNT
};

/** Where a result came from (struct dns_result.source). */
enum dns_source {
  DNS_SOURCE_NETWORK = 0, /**< a DNS server or an mDNS responder */
  DNS_SOURCE_CACHE,
  DNS_SOURCE_LOCAL,       /**< the local host table */
  DNS_SOURCE_LITERAL,     /**< the name was an address in text form */
};

/** Everything known about one finished lookup: what dns.resolve shows. */
struct dns_result {
  const char *name;     /**< the name as asked (valid during the callback only) */
  u8_t status;          /**< enum dns_status */
  u8_t source;          /**< enum dns_source */
  u8_t server_idx;      /**< server that answered, DNS_SERVER_IDX_MDNS or _NONE */
  u8_t naddrs;          /**< addresses in addrs[] (0 on failure) */
  ip_addr_t addrs[DNS_MAX_ADDRS];
  ip_addr_t server;     /**< address that answered (any when none) */
  u32_t ttl;            /**< seconds left (after capping); 0 on failure */
  u32_t elapsed_ms;     /**< from the lookup's start to its end */
  u16_t qtype;          /**< DNS_RRTYPE_A or _AAAA of the answer (0: none) */
  u8_t tries;           /**< queries sent in total */
};

/** lwIP's completion callback: @p ipaddr is NULL when the lookup failed. */
typedef void (*dns_found_callback)(const char *name, const ip_addr_t *ipaddr, void *callback_arg);
/** Extended completion callback with the whole result. */
typedef void (*dns_found_ex_callback)(const struct dns_result *result, void *callback_arg);

/** Reset the module (called by lwip_init). */
void dns_init(void);

/** Set server @p numdns (0..DNS_MAX_SERVERS-1) to an IPv4 or IPv6 address
 *  (a link-local one with the zone of its link; without a zone, answers
 *  from that address on any link are accepted); NULL or any clears it, as
 *  does an IPv6 address when IPv6 is not built.  Lookups ask over the
 *  server's family whatever record type they want (AAAA over IPv4 and A
 *  over IPv6 alike). */
void dns_setserver(u8_t numdns, const ip_addr_t *dnsserver);
/** @return server @p numdns, or the any address when unset or out of range. */
const ip_addr_t *dns_getserver(u8_t numdns);

/** Where a server came from (dns_setserver_source()). */
enum dns_server_origin {
  DNS_SERVER_MANUAL = 0, /**< set by hand (dns_setserver()) */
  DNS_SERVER_DHCP,       /**< option 6 of a DHCP lease (RFC 2132 3.8) */
  DNS_SERVER_RA_RDNSS,   /**< an RDNSS option of a Router Advertisement (RFC 8106) */
  DNS_SERVER_DHCP6,      /**< option 23 of a DHCPv6 Reply (RFC 3646) */
  DNS_SERVER_ORIGIN_COUNT
};

/** As dns_setserver(), recording where the address came from
 *  (enum dns_server_origin; an unknown value is taken as manual).  A
 *  cleared slot is manual again. */
void dns_setserver_source(u8_t numdns, const ip_addr_t *dnsserver, u8_t origin);
/** @return where server @p numdns came from (DNS_SERVER_MANUAL when unset
 *  or out of range). */
u8_t dns_getserver_source(u8_t numdns);
/** "manual", "dhcp", "ra-rdnss" or "dhcp6": the name of an
 *  enum dns_server_origin ("?" for another value). */
const char *dns_server_origin_name(u8_t origin);

/** Resolve @p hostname to an IPv4 address (lwIP's function).
 *  @return ERR_OK with @p addr filled (address literal, local host table
 *  or cache); ERR_INPROGRESS, @p found is called later; ERR_ARG for a bad
 *  name or NULL @p addr; ERR_MEM when the request table is full or memory
 *  is short; ERR_VAL when no server is configured (and not .local). */
err_t dns_gethostbyname(const char *hostname, ip_addr_t *addr, dns_found_callback found,
                        void *found_arg);
/** As dns_gethostbyname() for the address family @p dns_addrtype
 *  (LWIP_DNS_ADDRTYPE_*). */
err_t dns_gethostbyname_addrtype(const char *hostname, ip_addr_t *addr, dns_found_callback found,
                                 void *found_arg, u8_t dns_addrtype);
/** Extended lookup for control tools: on ERR_OK @p result (may be NULL) is
 *  filled at once and @p found is not called; on ERR_INPROGRESS @p found
 *  gets the result later, failures included.  Same errors otherwise.
 *  result->name points at @p hostname in the ERR_OK case. */
err_t dns_gethostbyname_ex(const char *hostname, u8_t dns_addrtype, struct dns_result *result,
                           dns_found_ex_callback found, void *found_arg);
/** Cancel, without calling back, every pending lookup whose callback
 *  argument is @p found_arg (for a caller going away).
 *  @return the number cancelled. */
int dns_cancel(void *found_arg);
/** Lookups pending now. */
int dns_pending_count(void);

/** Add @p hostname -> @p addr to the local host table (consulted before
 *  the cache).  @return ERR_OK, ERR_ARG (bad name or address) or ERR_MEM
 *  (table full). */
err_t dns_local_addhost(const char *hostname, const ip_addr_t *addr);
/** Remove entries for @p hostname with address @p addr (NULL: any).
 *  @return the number removed. */
int dns_local_removehost(const char *hostname, const ip_addr_t *addr);

/** One cache entry as dns_cache_foreach() shows it. */
struct dns_cache_info {
  const char *name;
  u16_t qtype;            /**< DNS_RRTYPE_A or DNS_RRTYPE_AAAA */
  u8_t naddrs;
  const ip_addr_t *addrs;
  u32_t ttl_left;         /**< seconds until it expires (rounded up) */
  u8_t server_idx;        /**< who answered (DNS_SERVER_IDX_MDNS for mDNS) */
  const ip_addr_t *server;
  u32_t elapsed_ms;       /**< how long the lookup that filled it took */
};
typedef void (*dns_cache_fn)(const struct dns_cache_info *info, void *arg);
/** Call @p fn for each live cache entry, most recently used first. */
void dns_cache_foreach(dns_cache_fn fn, void *arg);
/** Forget every cached name. */
void dns_cache_flush(void);

/** "ok", "nxdomain", ... for enum dns_status; "?" when out of range. */
const char *dns_status_name(int status);

#ifdef __cplusplus
}
#endif

/* lwIP's dns.h brings these in, and applications rely on it. */
#include "lwip/prot/dns.h"

#endif /* LWIP_DNS_H */
