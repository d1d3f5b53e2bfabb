/*
 * An SNTP-style client (RFC 4330 client mode) in lwIP's raw-API style:
 * the NTP message is a packed struct (PACK_STRUCT_*, with the
 * PACK_STRUCT_USE_INCLUDES hooks), the server port comes from
 * lwip/prot/iana.h, servers are parsed with lwip/inet.h, the table is
 * sized by LWIP_DHCP_MAX_NTP_SERVERS, timing uses sys_now()/sys_timeout(),
 * and the debug lines use the 32-bit and size_t format macros.
 *
 * The struct is filled as a local and copied into a pbuf (pbuf_take), and
 * a reply is copied out (pbuf_copy_partial) before it is read: no struct
 * is laid over packet memory.
 */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/def.h"
#include "lwip/inet.h"
#include "lwip/prot/iana.h"

#include <stddef.h>
#include <string.h>

#include "compat_apps.h"

#if LWIP_UDP

#ifndef SNTP_MINI_DEBUG
#define SNTP_MINI_DEBUG LWIP_DBG_ON
#endif

#if LWIP_DHCP_MAX_NTP_SERVERS > 1
#define SNTP_MINI_MAX_SERVERS LWIP_DHCP_MAX_NTP_SERVERS
#else
#define SNTP_MINI_MAX_SERVERS 2
#endif

#define SNTP_MODE_CLIENT 3U
#define SNTP_MODE_SERVER 4U
#define SNTP_VERSION 4U
#define SNTP_LI_UNSYNC 3U
#define SNTP_STRATUM_KOD 0U
#define SNTP_STRATUM_MAX 15U

#ifdef PACK_STRUCT_USE_INCLUDES
#include "arch/bpstruct.h"
#endif
PACK_STRUCT_BEGIN
/** An NTP timestamp (RFC 5905 6): seconds since 1900 and a binary fraction. */
struct sntp_mini_ts {
  PACK_STRUCT_FIELD(u32_t sec);
  PACK_STRUCT_FIELD(u32_t frac);
} PACK_STRUCT_STRUCT;
PACK_STRUCT_END
#ifdef PACK_STRUCT_USE_INCLUDES
#include "arch/epstruct.h"
#endif

#ifdef PACK_STRUCT_USE_INCLUDES
#include "arch/bpstruct.h"
#endif
PACK_STRUCT_BEGIN
/** The NTP header (RFC 5905 7.3), fields in network order. */
struct sntp_mini_msg {
  PACK_STRUCT_FLD_8(u8_t li_vn_mode);
  PACK_STRUCT_FLD_8(u8_t stratum);
  PACK_STRUCT_FLD_8(u8_t poll);
  PACK_STRUCT_FLD_8(u8_t precision);
  PACK_STRUCT_FIELD(u32_t root_delay);
  PACK_STRUCT_FIELD(u32_t root_dispersion);
  PACK_STRUCT_FIELD(u32_t reference_id);
  PACK_STRUCT_FLD_S(struct sntp_mini_ts reference);
  PACK_STRUCT_FLD_S(struct sntp_mini_ts origin);
  PACK_STRUCT_FLD_S(struct sntp_mini_ts receive);
  PACK_STRUCT_FLD_S(struct sntp_mini_ts transmit);
} PACK_STRUCT_STRUCT;
PACK_STRUCT_END
#ifdef PACK_STRUCT_USE_INCLUDES
#include "arch/epstruct.h"
#endif

_Static_assert(sizeof(struct sntp_mini_msg) == 48, "the NTP header is 48 bytes (RFC 5905 7.3)");
_Static_assert(offsetof(struct sntp_mini_msg, transmit) == 40, "transmit timestamp at byte 40");

static struct udp_pcb *sntp_pcb;
static ip_addr_t sntp_servers[SNTP_MINI_MAX_SERVERS];
static u8_t sntp_current;
static u32_t sntp_retry_ms, sntp_poll_ms;
static bool sntp_outstanding;         /* a request waits for its reply */
static struct sntp_mini_ts sntp_sent; /* its transmit timestamp, network order */
static struct sntp_mini_status sntp_st;
static sys_mutex_t sntp_lock; /* NO_SYS: a stand-in that does nothing */

static void sntp_request(void *arg);

err_t sntp_mini_setserver(u8_t idx, const char *server)
{
  LWIP_ERROR("sntp_mini: server index out of range", idx < SNTP_MINI_MAX_SERVERS, return ERR_ARG;);
  if (server == NULL || server[0] == '\0') {
    ip_addr_set_zero(&sntp_servers[idx]);
    return ERR_OK;
  }
  struct in_addr ia;
  if (!inet_aton(server, &ia)) {
    return ERR_ARG;
  }
  ip4_addr_t a;
  inet_addr_to_ip4addr(&a, &ia);
  ip_addr_set_ip4(&sntp_servers[idx], &a);
  return ERR_OK;
}

/* The next configured server after the current one, or -1. */
static int sntp_next_server(void)
{
  for (u8_t i = 1; i <= SNTP_MINI_MAX_SERVERS; i++) {
    u8_t idx = (u8_t)((sntp_current + i) % SNTP_MINI_MAX_SERVERS);
    if (!ip_addr_isany(&sntp_servers[idx])) {
      return idx;
    }
  }
  return -1;
}

static void sntp_retry(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_LEVEL_WARNING, ("sntp_mini: no reply in %" U32_F " ms", sntp_retry_ms));
  int next = sntp_next_server();
  if (next >= 0) {
    sntp_current = (u8_t)next;
  }
  sntp_request(NULL);
}

static void sntp_request(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  LWIP_ASSERT_CORE_LOCKED();
  if (ip_addr_isany(&sntp_servers[sntp_current])) {
    int next = sntp_next_server();
    if (next < 0) {
      return; /* nothing to ask */
    }
    sntp_current = (u8_t)next;
  }
  struct sntp_mini_msg msg;
  memset(&msg, 0, sizeof(msg));
  msg.li_vn_mode = (u8_t)((SNTP_VERSION << 3) | SNTP_MODE_CLIENT);
  /* A client has no trustworthy clock to send (RFC 4330 5 allows zero);
   * a random transmit timestamp, echoed back as the origin, tells a real
   * reply from a forged or stale one. */
  msg.transmit.sec = lwip_htonl(sys_now() / 1000U + SNTP_MINI_UNIX_OFFSET);
  msg.transmit.frac = lwip_htonl(LWIP_RAND());
  sntp_sent = msg.transmit;

  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)sizeof(msg), PBUF_RAM);
  if (p != NULL) {
    pbuf_take(p, &msg, (u16_t)sizeof(msg));
    err_t err = udp_sendto(sntp_pcb, p, &sntp_servers[sntp_current], LWIP_IANA_PORT_SNTP);
    pbuf_free(p);
    LWIP_UNUSED_ARG(err); /* read only by LWIP_DEBUGF, gone without debug_log */
    sntp_st.requests++;
    sntp_outstanding = true;
    LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_TRACE,
                ("sntp_mini: request %" U32_F " (%" SZT_F " bytes) to %s: %s", sntp_st.requests, sizeof(msg),
                 ipaddr_ntoa(&sntp_servers[sntp_current]), lwip_strerr(err)));
  }
  sys_untimeout(sntp_retry, NULL);
  sys_timeout(sntp_retry_ms, sntp_retry, NULL);
}

static bool sntp_check(const struct sntp_mini_msg *m)
{
  u8_t mode = m->li_vn_mode & 0x07U;
  u8_t li = (u8_t)(m->li_vn_mode >> 6);
  if (mode != SNTP_MODE_SERVER) {
    LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_LEVEL_WARNING, ("sntp_mini: mode %" U16_F ", not a server", (u16_t)mode));
    return false;
  }
  if (m->origin.sec != sntp_sent.sec || m->origin.frac != sntp_sent.frac) {
    LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_LEVEL_WARNING,
                ("sntp_mini: origin %08" X32_F " is not our request", lwip_ntohl(m->origin.frac)));
    return false;
  }
  if (m->stratum == SNTP_STRATUM_KOD) {
    /* Kiss-o'-death (RFC 5905 7.4): the reference id holds the code. */
    LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_LEVEL_SERIOUS,
                ("sntp_mini: kiss-o'-death %08" X32_F, lwip_ntohl(m->reference_id)));
    return false;
  }
  if (m->stratum > SNTP_STRATUM_MAX || li == SNTP_LI_UNSYNC || m->transmit.sec == 0) {
    LWIP_DEBUGF(SNTP_MINI_DEBUG | LWIP_DBG_LEVEL_WARNING, ("sntp_mini: server not synchronised"));
    return false;
  }
  return true;
}

static void sntp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  LWIP_UNUSED_ARG(arg);
  LWIP_UNUSED_ARG(pcb);
  struct sntp_mini_msg msg;
  bool ok = sntp_outstanding && port == LWIP_IANA_PORT_SNTP && ip_addr_cmp(addr, &sntp_servers[sntp_current]) &&
            p->tot_len >= sizeof(msg) && pbuf_copy_partial(p, &msg, (u16_t)sizeof(msg), 0) == sizeof(msg) &&
            sntp_check(&msg);
  pbuf_free(p);
  if (!ok) {
    sntp_st.rejected++;
    return;
  }
  u32_t seconds = lwip_ntohl(msg.transmit.sec) - SNTP_MINI_UNIX_OFFSET;
  sys_mutex_lock(&sntp_lock);
  s32_t step = sntp_st.synced ? (s32_t)(seconds - sntp_st.seconds) : 0;
  sntp_st.seconds = seconds;
  sntp_st.stratum = msg.stratum;
  sntp_st.synced = true;
  sntp_st.replies++;
  sys_mutex_unlock(&sntp_lock);
  sntp_outstanding = false;
  LWIP_UNUSED_ARG(step);
  LWIP_DEBUGF(
      SNTP_MINI_DEBUG | LWIP_DBG_STATE,
      ("sntp_mini: time %" U32_F " (%" S32_F " s since the last), stratum %" U16_F, seconds, step, (u16_t)msg.stratum));
  sys_untimeout(sntp_retry, NULL);
  sys_timeout(sntp_poll_ms, sntp_request, NULL);
}

err_t sntp_mini_init(u32_t retry_ms, u32_t poll_ms)
{
  LWIP_ERROR("sntp_mini: already running", sntp_pcb == NULL, return ERR_USE;);
  if (sys_mutex_new(&sntp_lock) != ERR_OK) {
    return ERR_MEM;
  }
  sntp_pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
  if (sntp_pcb == NULL) {
    return ERR_MEM;
  }
  udp_recv(sntp_pcb, sntp_recv, NULL);
  memset(&sntp_st, 0, sizeof(sntp_st));
  sntp_retry_ms = retry_ms;
  sntp_poll_ms = poll_ms;
  sntp_current = 0;
  sntp_outstanding = false;
  sntp_request(NULL);
  return ERR_OK;
}

void sntp_mini_stop(void)
{
  sys_untimeout(sntp_retry, NULL);
  sys_untimeout(sntp_request, NULL);
  if (sntp_pcb != NULL) {
    udp_remove(sntp_pcb);
    sntp_pcb = NULL;
  }
  sys_mutex_free(&sntp_lock);
  for (u8_t i = 0; i < SNTP_MINI_MAX_SERVERS; i++) {
    ip_addr_set_zero(&sntp_servers[i]);
  }
}

void sntp_mini_get_status(struct sntp_mini_status *st)
{
  sys_mutex_lock(&sntp_lock);
  *st = sntp_st;
  sys_mutex_unlock(&sntp_lock);
}

size_t sntp_mini_msg_size(void)
{
  return sizeof(struct sntp_mini_msg);
}

#endif /* LWIP_UDP */
