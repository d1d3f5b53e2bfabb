/**
 * @file stats.c
 * Protocol and drop-reason counters.  Every drop goes through lwip_drop(),
 * so a reason's counter, its protocol's drop counter, its error class and
 * the debug line can never disagree.
 */
#include "lwip/stats.h"
#include "lwip/priv/init.h"

#include <string.h>

#if LWIP_STATS
struct stats_ lwip_stats;
#endif

/* The tables below exist only when something reads them: the minimal
 * profile (no stats, no debug) carries no strings. */
#if LWIP_STATS || LWIP_DEBUG
struct drop_reason_info {
  const char *name;
  const char *desc;
  u8_t proto;
  u8_t cls;
};

static const struct drop_reason_info drop_info[LWIP_DROP_COUNT] = {
#define LWIP_DROP_INFO_(id, proto, cls, desc) \
  [LWIP_DROP_##id] = {#id, desc, LWIP_PROTO_##proto, LWIP_EC_##cls},
  LWIP_DROP_REASONS(LWIP_DROP_INFO_)
#undef LWIP_DROP_INFO_
};

static const char *const tcp_counter_info[LWIP_TCPC_COUNT][2] = {
#define LWIP_TCPC_INFO_(id, desc) [LWIP_TCPC_##id] = {#id, desc},
  LWIP_TCP_COUNTERS(LWIP_TCPC_INFO_)
#undef LWIP_TCPC_INFO_
};

static const char *const proto_names[LWIP_PROTO_COUNT] = {
#define LWIP_PROTO_NAME_(id, name, mod) [LWIP_PROTO_##id] = name,
  LWIP_STATS_PROTOS(LWIP_PROTO_NAME_)
#undef LWIP_PROTO_NAME_
};
#endif

#if LWIP_DEBUG
#if !LWIP_IPV6
/* The IPv6 protocols keep their counters in every build (the drop reasons
 * name them), but their log modules exist only with IPv6 (debug.h).  In a
 * build without IPv6 nothing counts them, so the core module stands in. */
#define LWIP_LOG_IP6 LWIP_LOG_CORE
#define LWIP_LOG_ICMP6 LWIP_LOG_CORE
#define LWIP_LOG_ND6 LWIP_LOG_CORE
#define LWIP_LOG_MLD6 LWIP_LOG_CORE
#define LWIP_LOG_DHCP6 LWIP_LOG_CORE
#endif
/* Which log module reports a protocol's drops. */
static const u8_t proto_log_module[LWIP_PROTO_COUNT] = {
#define LWIP_PROTO_MOD_(id, name, mod) [LWIP_PROTO_##id] = LWIP_LOG_##mod,
  LWIP_STATS_PROTOS(LWIP_PROTO_MOD_)
#undef LWIP_PROTO_MOD_
};
#endif

#if LWIP_STATS
void stats_init(void)
{
  lwip_stats_reset();
}

void lwip_stats_reset(void)
{
  memset(&lwip_stats, 0, sizeof(lwip_stats));
}
#endif

#if LWIP_STATS
static void count_class(struct stats_proto *s, u8_t cls)
{
  switch (cls) {
  case LWIP_EC_LEN: s->lenerr++; break;
  case LWIP_EC_CHK: s->chkerr++; break;
  case LWIP_EC_MEM: s->memerr++; break;
  case LWIP_EC_RT: s->rterr++; break;
  case LWIP_EC_PROTO: s->proterr++; break;
  case LWIP_EC_OPT: s->opterr++; break;
  default: break;
  }
}
#endif

#if LWIP_STATS || LWIP_DEBUG
void lwip_drop(enum lwip_drop_reason reason)
{
  if ((unsigned)reason >= LWIP_DROP_COUNT) {
    return;
  }
  const struct drop_reason_info *d = &drop_info[reason];
#if LWIP_STATS
  struct stats_proto *s = &lwip_stats.proto[d->proto];
  lwip_stats.drops[reason]++;
  s->drop++;
  count_class(s, d->cls);
#endif
#if LWIP_DEBUG
  int mod = proto_log_module[d->proto];
  if (lwip_log_levels[mod] >= LWIP_LOG_LEVEL_DEBUG) {
    lwip_port_log(mod, LWIP_LOG_LEVEL_DEBUG, "drop %s: %s", d->name, d->desc);
  }
#endif
}
#endif

/* The names and descriptions; without stats and debug_log stats.h answers
 * inline that every id is out of range. */
#if LWIP_STATS || LWIP_DEBUG
#define INFO_OR_NULL(cond, expr) ((cond) ? (expr) : NULL)

const char *lwip_stats_proto_name(int proto)
{
  return INFO_OR_NULL(proto >= 0 && proto < LWIP_PROTO_COUNT, proto_names[proto]);
}

const char *lwip_drop_reason_name(int reason)
{
  return INFO_OR_NULL(reason >= 0 && reason < LWIP_DROP_COUNT, drop_info[reason].name);
}

const char *lwip_drop_reason_desc(int reason)
{
  return INFO_OR_NULL(reason >= 0 && reason < LWIP_DROP_COUNT, drop_info[reason].desc);
}

const char *lwip_tcp_counter_name(int counter)
{
  return INFO_OR_NULL(counter >= 0 && counter < LWIP_TCPC_COUNT, tcp_counter_info[counter][0]);
}

const char *lwip_tcp_counter_desc(int counter)
{
  return INFO_OR_NULL(counter >= 0 && counter < LWIP_TCPC_COUNT, tcp_counter_info[counter][1]);
}

int lwip_drop_reason_proto(int reason)
{
  return (reason >= 0 && reason < LWIP_DROP_COUNT) ? drop_info[reason].proto : -1;
}
#endif
