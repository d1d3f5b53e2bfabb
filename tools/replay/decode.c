/**
 * @file decode.c
 * The field decoder behind lwip-replay's difference reports (decode.h).
 *
 * Offsets are those of the wire formats: Ethernet II (IEEE 802.3), ARP
 * (RFC 826), IPv4 (RFC 791), ICMP (RFC 792), UDP (RFC 768), IGMP (RFC 2236 /
 * RFC 3376), IPv6 and its extension headers (RFC 8200), ICMPv6 (RFC 4443),
 * Neighbor Discovery (RFC 4861) and MLD (RFC 2710, RFC 3810).  Nothing here trusts a length field: every read is checked
 * against the captured length, because the frames being described are the
 * ones the stack may have got wrong.
 */
#include "decode.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ETH_HLEN 14U
#define ETHTYPE_ARP 0x0806U
#define ETHTYPE_IPV4 0x0800U
#define ETHTYPE_IPV6 0x86ddU
#define IPV6_HLEN 40U
#define NH_HOPOPTS 0U
#define NH_ROUTING 43U
#define NH_FRAGMENT 44U
#define NH_ICMP6 58U
#define NH_NONE 59U
#define NH_DSTOPTS 60U
/* Extension headers walked before giving up on a chain: as many as a
 * sane packet has, and a bound on a hostile one. */
#define IPV6_MAX_EXT 16
#define ARP_LEN 28U
#define IPV4_MIN_HLEN 20U
#define PROTO_ICMP 1U
#define PROTO_IGMP 2U
#define PROTO_UDP 17U

enum fmt {
  FMT_DEC,  /**< unsigned decimal */
  FMT_HEX2, /**< 0x12 */
  FMT_HEX4, /**< 0x1234 */
  FMT_MAC,  /**< 6 bytes as 02:00:00:00:00:01 */
  FMT_IP4,  /**< 4 bytes as 10.0.0.1 */
  FMT_IP6,  /**< 16 bytes as 2001:db8::1 */
};

/* The two frames being compared and where the report goes. */
struct cmp {
  const uint8_t *e, *a;
  size_t el, al;
  char *out;
  size_t outlen;
};

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

static uint32_t be_n(const uint8_t *p, size_t n)
{
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v = v << 8 | p[i];
  }
  return v;
}

static void fmt_value(char *buf, size_t len, enum fmt f, const uint8_t *p, uint32_t v)
{
  switch (f) {
  case FMT_MAC:
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
    break;
  case FMT_IP4:
    snprintf(buf, len, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    break;
  case FMT_IP6:
    if (inet_ntop(AF_INET6, p, buf, (socklen_t)len) == NULL) {
      snprintf(buf, len, "?");
    }
    break;
  case FMT_HEX2:
    snprintf(buf, len, "0x%02x", (unsigned)v);
    break;
  case FMT_HEX4:
    snprintf(buf, len, "0x%04x", (unsigned)v);
    break;
  case FMT_DEC:
  default:
    snprintf(buf, len, "%u", (unsigned)v);
    break;
  }
}

static bool report(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool report(struct cmp *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->out, c->outlen, fmt, ap);
  va_end(ap);
  return true;
}

/*
 * Compare the field of @p size bytes at @p off, masked with @p mask and
 * shifted right by @p shift (mask 0 means the whole field).  @return true
 * when it differs (the report is written), false when it is equal or lies
 * past the end of both frames (a length difference, reported at the end).
 */
static bool field(struct cmp *c, const char *name, size_t off, size_t size, uint32_t mask, unsigned shift,
                  enum fmt f)
{
  bool eh = off + size <= c->el, ah = off + size <= c->al;
  bool bytes = f == FMT_MAC || f == FMT_IP6; /* compared as bytes, not as a number */
  char ev[48], av[48];
  if (!eh && !ah) {
    return false;
  }
  if (eh != ah) {
    const uint8_t *p = eh ? c->e : c->a;
    uint32_t v = bytes ? 0 : be_n(p + off, size);
    if (mask != 0) {
      v = (v & mask) >> shift;
    }
    fmt_value(eh ? ev : av, sizeof(ev), f, p + off, v);
    if (eh) {
      return report(c, "%s: expected %s, actual frame ends first (%zu bytes)", name, ev, c->al);
    }
    return report(c, "%s: expected frame ends first (%zu bytes), actual %s", name, c->el, av);
  }
  bool differ;
  uint32_t vx = 0, vy = 0;
  if (bytes) {
    differ = memcmp(c->e + off, c->a + off, size) != 0;
  } else {
    vx = be_n(c->e + off, size);
    vy = be_n(c->a + off, size);
    if (mask != 0) {
      vx = (vx & mask) >> shift;
      vy = (vy & mask) >> shift;
    }
    differ = vx != vy;
  }
  if (!differ) {
    return false;
  }
  fmt_value(ev, sizeof(ev), f, c->e + off, vx);
  fmt_value(av, sizeof(av), f, c->a + off, vy);
  return report(c, "%s: expected %s, actual %s", name, ev, av);
}

/* Compare the bytes [start, end) as an opaque region (payloads, options,
 * padding).  Offsets are reported relative to @p start and to the frame. */
static bool region(struct cmp *c, const char *name, size_t start, size_t end)
{
  for (size_t i = start; i < end; i++) {
    bool eh = i < c->el, ah = i < c->al;
    if (!eh && !ah) {
      return false;
    }
    if (eh != ah) {
      return report(c, "%s: %s frame ends at byte offset %zu (expected %zu bytes, actual %zu)", name,
                    eh ? "actual" : "expected", i - start, c->el, c->al);
    }
    if (c->e[i] != c->a[i]) {
      return report(c, "%s: differs at byte offset %zu (frame byte %zu): expected 0x%02x, actual 0x%02x", name,
                    i - start, i, c->e[i], c->a[i]);
    }
  }
  return false;
}

static bool icmp_has_id_seq(unsigned type)
{
  /* Echo, timestamp, information and address-mask messages carry an
   * identifier and a sequence number in the second word (RFC 792, 950). */
  return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

/* The transport header of an IPv4 packet whose header ends at @p l4 and
 * whose datagram ends at @p end (per the expected frame). */
static bool transport_diff(struct cmp *c, unsigned proto, size_t l4, size_t end)
{
  if (proto == PROTO_ICMP) {
    unsigned type = l4 < c->el ? c->e[l4] : 0;
    if (field(c, "icmp.type", l4, 1, 0, 0, FMT_DEC) || field(c, "icmp.code", l4 + 1, 1, 0, 0, FMT_DEC) ||
        field(c, "icmp.checksum", l4 + 2, 2, 0, 0, FMT_HEX4)) {
      return true;
    }
    if (icmp_has_id_seq(type)) {
      if (field(c, "icmp.id", l4 + 4, 2, 0, 0, FMT_HEX4) || field(c, "icmp.seq", l4 + 6, 2, 0, 0, FMT_DEC)) {
        return true;
      }
    } else if (field(c, "icmp.rest", l4 + 4, 4, 0, 0, FMT_HEX4)) {
      return true;
    }
    return region(c, "icmp.data", l4 + 8, end);
  }
  if (proto == PROTO_UDP) {
    return field(c, "udp.sport", l4, 2, 0, 0, FMT_DEC) || field(c, "udp.dport", l4 + 2, 2, 0, 0, FMT_DEC) ||
           field(c, "udp.length", l4 + 4, 2, 0, 0, FMT_DEC) ||
           field(c, "udp.checksum", l4 + 6, 2, 0, 0, FMT_HEX4) || region(c, "udp.payload", l4 + 8, end);
  }
  if (proto == PROTO_IGMP) {
    return field(c, "igmp.type", l4, 1, 0, 0, FMT_HEX2) || field(c, "igmp.max_resp", l4 + 1, 1, 0, 0, FMT_DEC) ||
           field(c, "igmp.checksum", l4 + 2, 2, 0, 0, FMT_HEX4) || field(c, "igmp.group", l4 + 4, 4, 0, 0, FMT_IP4) ||
           region(c, "igmp.data", l4 + 8, end);
  }
  return region(c, "ipv4.payload", l4, end);
}

/* IPv4 header and payload; @return true when a difference was reported.
 * *end receives where the datagram ends in the expected frame. */
static bool ipv4_diff(struct cmp *c, size_t *end)
{
  const size_t o = ETH_HLEN;
  *end = c->el;
  if (field(c, "ipv4.version", o, 1, 0xf0, 4, FMT_DEC) || field(c, "ipv4.ihl", o, 1, 0x0f, 0, FMT_DEC) ||
      field(c, "ipv4.tos", o + 1, 1, 0, 0, FMT_HEX2) || field(c, "ipv4.total_length", o + 2, 2, 0, 0, FMT_DEC) ||
      field(c, "ipv4.id", o + 4, 2, 0, 0, FMT_HEX4) || field(c, "ipv4.flags", o + 6, 2, 0xe000, 13, FMT_HEX2) ||
      field(c, "ipv4.frag_offset", o + 6, 2, 0x1fff, 0, FMT_DEC) || field(c, "ipv4.ttl", o + 8, 1, 0, 0, FMT_DEC) ||
      field(c, "ipv4.protocol", o + 9, 1, 0, 0, FMT_DEC) || field(c, "ipv4.checksum", o + 10, 2, 0, 0, FMT_HEX4) ||
      field(c, "ipv4.src", o + 12, 4, 0, 0, FMT_IP4) || field(c, "ipv4.dst", o + 16, 4, 0, 0, FMT_IP4)) {
    return true;
  }
  if (c->el < o + IPV4_MIN_HLEN) {
    return false;
  }
  size_t hlen = (size_t)(c->e[o] & 0x0f) * 4U;
  size_t total = be16(c->e + o + 2);
  if (hlen < IPV4_MIN_HLEN || total < hlen) {
    /* A malformed header: nothing beyond it can be decoded. */
    return region(c, "ipv4.rest", o + IPV4_MIN_HLEN, c->el > c->al ? c->el : c->al);
  }
  *end = o + total;
  if (region(c, "ipv4.options", o + IPV4_MIN_HLEN, o + hlen)) {
    return true;
  }
  unsigned frag = be16(c->e + o + 6) & 0x1fffU;
  if (frag != 0) {
    return region(c, "ipv4.payload", o + hlen, *end);
  }
  return transport_diff(c, c->e[o + 9], o + hlen, *end);
}

static bool icmp6_has_id_seq(unsigned type)
{
  return type == 128 || type == 129; /* echo request and reply (RFC 4443 4) */
}

/* The ICMPv6 message at @p l4 up to @p end: the fixed fields of each type
 * lwipd sends or answers, then the rest (options, quoted packet) as bytes. */
static bool icmp6_diff(struct cmp *c, size_t l4, size_t end)
{
  unsigned type = l4 < c->el ? c->e[l4] : 0;
  if (field(c, "icmp6.type", l4, 1, 0, 0, FMT_DEC) || field(c, "icmp6.code", l4 + 1, 1, 0, 0, FMT_DEC) ||
      field(c, "icmp6.checksum", l4 + 2, 2, 0, 0, FMT_HEX4)) {
    return true;
  }
  size_t body = l4 + 8;
  if (icmp6_has_id_seq(type)) {
    if (field(c, "icmp6.id", l4 + 4, 2, 0, 0, FMT_HEX4) || field(c, "icmp6.seq", l4 + 6, 2, 0, 0, FMT_DEC)) {
      return true;
    }
    return region(c, "icmp6.data", body, end);
  }
  switch (type) {
  case 2: /* Packet Too Big (RFC 4443 3.2) */
    if (field(c, "icmp6.mtu", l4 + 4, 4, 0, 0, FMT_DEC)) {
      return true;
    }
    return region(c, "icmp6.invoking_packet", body, end);
  case 133: /* Router Solicitation (RFC 4861 4.1) */
    return field(c, "nd.reserved", l4 + 4, 4, 0, 0, FMT_HEX4) || region(c, "nd.options", body, end);
  case 134: /* Router Advertisement (4.2) */
    return field(c, "ra.cur_hop_limit", l4 + 4, 1, 0, 0, FMT_DEC) || field(c, "ra.flags", l4 + 5, 1, 0, 0, FMT_HEX2) ||
           field(c, "ra.router_lifetime", l4 + 6, 2, 0, 0, FMT_DEC) ||
           field(c, "ra.reachable_time", l4 + 8, 4, 0, 0, FMT_DEC) ||
           field(c, "ra.retrans_timer", l4 + 12, 4, 0, 0, FMT_DEC) || region(c, "nd.options", l4 + 16, end);
  case 135: /* Neighbor Solicitation (4.3) */
  case 136: /* Neighbor Advertisement (4.4): R, S, O in the top bits */
    return field(c, type == 136 ? "na.flags" : "ns.reserved", l4 + 4, 4, 0, 0, FMT_HEX4) ||
           field(c, "nd.target", l4 + 8, 16, 0, 0, FMT_IP6) || region(c, "nd.options", l4 + 24, end);
  case 137: /* Redirect (4.5) */
    return field(c, "redirect.target", l4 + 8, 16, 0, 0, FMT_IP6) ||
           field(c, "redirect.dest", l4 + 24, 16, 0, 0, FMT_IP6) || region(c, "nd.options", l4 + 40, end);
  case 130: /* MLD query (RFC 2710 3, RFC 3810 5.1) */
  case 131: /* MLDv1 report */
  case 132: /* MLDv1 done */
    return field(c, "mld.max_resp_delay", l4 + 4, 2, 0, 0, FMT_DEC) ||
           field(c, "mld.group", l4 + 8, 16, 0, 0, FMT_IP6) || region(c, "mld.rest", l4 + 24, end);
  case 143: /* MLDv2 report (RFC 3810 5.2): records compared as bytes */
    return field(c, "mld2.records", l4 + 6, 2, 0, 0, FMT_DEC) || region(c, "mld2.record_data", body, end);
  default:
    return field(c, "icmp6.rest", l4 + 4, 4, 0, 0, FMT_HEX4) || region(c, "icmp6.data", body, end);
  }
}

/* IPv6 header, extension headers (as the expected frame chains them) and
 * payload; @return true when a difference was reported.  *end receives
 * where the packet ends in the expected frame. */
static bool ipv6_diff(struct cmp *c, size_t *end)
{
  const size_t o = ETH_HLEN;
  *end = c->el;
  if (field(c, "ipv6.version", o, 1, 0xf0, 4, FMT_DEC) || field(c, "ipv6.traffic_class", o, 2, 0x0ff0, 4, FMT_HEX2) ||
      field(c, "ipv6.flow_label", o + 1, 3, 0x0fffff, 0, FMT_HEX4) ||
      field(c, "ipv6.payload_length", o + 4, 2, 0, 0, FMT_DEC) ||
      field(c, "ipv6.next_header", o + 6, 1, 0, 0, FMT_DEC) || field(c, "ipv6.hop_limit", o + 7, 1, 0, 0, FMT_DEC) ||
      field(c, "ipv6.src", o + 8, 16, 0, 0, FMT_IP6) || field(c, "ipv6.dst", o + 24, 16, 0, 0, FMT_IP6)) {
    return true;
  }
  if (c->el < o + IPV6_HLEN) {
    return false;
  }
  *end = o + IPV6_HLEN + be16(c->e + o + 4);
  unsigned nh = c->e[o + 6];
  size_t at = o + IPV6_HLEN;
  for (int n = 0; n < IPV6_MAX_EXT; n++) {
    if (nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS) {
      const char *name = nh == NH_HOPOPTS ? "ipv6.hop_by_hop" : nh == NH_ROUTING ? "ipv6.routing" : "ipv6.dest_opts";
      char f1[48], f2[48];
      snprintf(f1, sizeof(f1), "%s.next_header", name);
      snprintf(f2, sizeof(f2), "%s.length", name);
      if (field(c, f1, at, 1, 0, 0, FMT_DEC) || field(c, f2, at + 1, 1, 0, 0, FMT_DEC)) {
        return true;
      }
      if (at + 2 > c->el) {
        return false;
      }
      size_t len = ((size_t)c->e[at + 1] + 1U) * 8U;
      if (region(c, name, at + 2, at + len)) {
        return true;
      }
      nh = c->e[at];
      at += len;
    } else if (nh == NH_FRAGMENT) {
      if (field(c, "ipv6.fragment.next_header", at, 1, 0, 0, FMT_DEC) ||
          field(c, "ipv6.fragment.offset", at + 2, 2, 0xfff8, 3, FMT_DEC) ||
          field(c, "ipv6.fragment.more", at + 2, 2, 0x0001, 0, FMT_DEC) ||
          field(c, "ipv6.fragment.id", at + 4, 4, 0, 0, FMT_HEX4)) {
        return true;
      }
      if (at + 8 > c->el) {
        return false;
      }
      nh = c->e[at];
      bool later = (be16(c->e + at + 2) & 0xfff8U) != 0;
      at += 8;
      if (later) {
        return region(c, "ipv6.fragment_data", at, *end);
      }
    } else {
      break;
    }
  }
  if (nh == NH_ICMP6) {
    return icmp6_diff(c, at, *end);
  }
  if (nh == PROTO_UDP) {
    return transport_diff(c, PROTO_UDP, at, *end);
  }
  return region(c, "ipv6.payload", at, *end);
}

bool decode_first_diff(const uint8_t *exp, size_t exp_len, const uint8_t *act, size_t act_len, char *out,
                       size_t outlen)
{
  struct cmp c = {exp, act, exp_len, act_len, out, outlen};
  if (outlen > 0) {
    out[0] = '\0';
  }
  if (exp_len == act_len && memcmp(exp, act, exp_len) == 0) {
    return false;
  }
  if (field(&c, "eth.dst", 0, 6, 0, 0, FMT_MAC) || field(&c, "eth.src", 6, 6, 0, 0, FMT_MAC) ||
      field(&c, "eth.type", 12, 2, 0, 0, FMT_HEX4)) {
    return true;
  }
  size_t end = exp_len;
  unsigned type = exp_len >= ETH_HLEN ? be16(exp + 12) : 0;
  if (type == ETHTYPE_ARP) {
    const size_t o = ETH_HLEN;
    if (field(&c, "arp.htype", o, 2, 0, 0, FMT_DEC) || field(&c, "arp.ptype", o + 2, 2, 0, 0, FMT_HEX4) ||
        field(&c, "arp.hlen", o + 4, 1, 0, 0, FMT_DEC) || field(&c, "arp.plen", o + 5, 1, 0, 0, FMT_DEC) ||
        field(&c, "arp.op", o + 6, 2, 0, 0, FMT_DEC) || field(&c, "arp.sender_mac", o + 8, 6, 0, 0, FMT_MAC) ||
        field(&c, "arp.sender_ip", o + 14, 4, 0, 0, FMT_IP4) ||
        field(&c, "arp.target_mac", o + 18, 6, 0, 0, FMT_MAC) ||
        field(&c, "arp.target_ip", o + 24, 4, 0, 0, FMT_IP4)) {
      return true;
    }
    end = o + ARP_LEN;
  } else if (type == ETHTYPE_IPV4) {
    if (ipv4_diff(&c, &end)) {
      return true;
    }
  } else if (type == ETHTYPE_IPV6) {
    if (ipv6_diff(&c, &end)) {
      return true;
    }
  } else if (region(&c, "eth.payload", ETH_HLEN, exp_len > act_len ? exp_len : act_len)) {
    return true;
  }
  /* Past the end of the protocol data: the Ethernet padding up to the
   * 60-byte minimum, or trailing garbage. */
  if (region(&c, "eth.padding", end, exp_len > act_len ? exp_len : act_len)) {
    return true;
  }
  return report(&c, "frame length: expected %zu bytes, actual %zu bytes", exp_len, act_len);
}

/* ---------------------------------------------------------------------- */
/* One-line summaries                                                      */
/* ---------------------------------------------------------------------- */

static const char *icmp_type_name(unsigned type)
{
  switch (type) {
  case 0: return "echo-reply";
  case 3: return "dest-unreachable";
  case 4: return "source-quench";
  case 5: return "redirect";
  case 8: return "echo-request";
  case 11: return "time-exceeded";
  case 12: return "parameter-problem";
  case 13: return "timestamp";
  case 14: return "timestamp-reply";
  default: return NULL;
  }
}

static const char *igmp_type_name(unsigned type)
{
  switch (type) {
  case 0x11: return "query";
  case 0x12: return "v1-report";
  case 0x16: return "v2-report";
  case 0x17: return "leave";
  case 0x22: return "v3-report";
  default: return NULL;
  }
}

static void ipv4_summary(const uint8_t *f, size_t len, char *out, size_t outlen)
{
  const uint8_t *ip = f + ETH_HLEN;
  size_t iplen = len - ETH_HLEN;
  char s[16], d[16];
  if (iplen < IPV4_MIN_HLEN) {
    snprintf(out, outlen, "IPv4 truncated (%zu bytes)", len);
    return;
  }
  fmt_value(s, sizeof(s), FMT_IP4, ip + 12, 0);
  fmt_value(d, sizeof(d), FMT_IP4, ip + 16, 0);
  size_t hlen = (size_t)(ip[0] & 0x0f) * 4U;
  unsigned total = be16(ip + 2), proto = ip[9];
  unsigned fragword = be16(ip + 6), off = (fragword & 0x1fffU) * 8U;
  bool mf = (fragword & 0x2000U) != 0;
  if (off != 0) {
    snprintf(out, outlen, "IPv4 fragment %s > %s proto %u id 0x%04x off %u%s len %u", s, d, proto, be16(ip + 4), off,
             mf ? " MF" : "", total);
    return;
  }
  const uint8_t *l4 = ip + hlen;
  size_t l4len = hlen <= iplen ? iplen - hlen : 0;
  if (mf) {
    /* The first fragment carries the transport header: describe it, but
     * say the lengths are those of the fragment. */
    size_t used;
    snprintf(out, outlen, "IPv4 first fragment id 0x%04x: ", be16(ip + 4));
    used = strlen(out);
    if (used < outlen) {
      out += used;
      outlen -= used;
    }
  }
  if (proto == PROTO_ICMP && l4len >= 8) {
    const char *name = icmp_type_name(l4[0]);
    char tn[32];
    if (name == NULL) {
      snprintf(tn, sizeof(tn), "type %u", l4[0]);
      name = tn;
    }
    if (icmp_has_id_seq(l4[0])) {
      snprintf(out, outlen, "ICMP %s %s > %s id 0x%04x seq %u len %u", name, s, d, be16(l4 + 4), be16(l4 + 6),
               total);
    } else {
      snprintf(out, outlen, "ICMP %s code %u %s > %s len %u", name, l4[1], s, d, total);
    }
  } else if (proto == PROTO_UDP && l4len >= 8) {
    unsigned ulen = be16(l4 + 4);
    snprintf(out, outlen, "UDP %s:%u > %s:%u len %u", s, be16(l4), d, be16(l4 + 2), ulen >= 8 ? ulen - 8 : 0);
  } else if (proto == PROTO_IGMP && l4len >= 8) {
    const char *name = igmp_type_name(l4[0]);
    char g[16];
    fmt_value(g, sizeof(g), FMT_IP4, l4 + 4, 0);
    if (name != NULL) {
      snprintf(out, outlen, "IGMP %s %s %s > %s", name, g, s, d);
    } else {
      snprintf(out, outlen, "IGMP type 0x%02x %s %s > %s", l4[0], g, s, d);
    }
  } else {
    snprintf(out, outlen, "IPv4 proto %u %s > %s len %u", proto, s, d, total);
  }
}

static const char *icmp6_type_name(unsigned type)
{
  switch (type) {
  case 1: return "dest-unreachable";
  case 2: return "packet-too-big";
  case 3: return "time-exceeded";
  case 4: return "parameter-problem";
  case 128: return "echo-request";
  case 129: return "echo-reply";
  case 130: return "mld-query";
  case 131: return "mld-report";
  case 132: return "mld-done";
  case 133: return "router-solicitation";
  case 134: return "router-advertisement";
  case 135: return "neighbor-solicitation";
  case 136: return "neighbor-advertisement";
  case 137: return "redirect";
  case 143: return "mld2-report";
  default: return NULL;
  }
}

/* ICMPv6 message @p m of @p mlen bytes from @p s to @p d; @p plen is the
 * IPv6 payload length. */
static void icmp6_summary(const uint8_t *m, size_t mlen, const char *s, const char *d, unsigned plen, char *out,
                          size_t outlen)
{
  const char *name = icmp6_type_name(m[0]);
  char tn[32], t[48];
  if (name == NULL) {
    snprintf(tn, sizeof(tn), "type %u", m[0]);
    name = tn;
  }
  if (icmp6_has_id_seq(m[0])) {
    snprintf(out, outlen, "ICMPv6 %s %s > %s id 0x%04x seq %u len %u", name, s, d, be16(m + 4), be16(m + 6), plen);
  } else if ((m[0] == 135 || m[0] == 136) && mlen >= 24) {
    fmt_value(t, sizeof(t), FMT_IP6, m + 8, 0);
    snprintf(out, outlen, "ICMPv6 %s %s%s%s%s %s > %s", name, t, (m[0] == 136 && (m[4] & 0x80)) ? " R" : "",
             (m[0] == 136 && (m[4] & 0x40)) ? " S" : "", (m[0] == 136 && (m[4] & 0x20)) ? " O" : "", s, d);
  } else if (m[0] >= 130 && m[0] <= 132 && mlen >= 24) {
    fmt_value(t, sizeof(t), FMT_IP6, m + 8, 0);
    snprintf(out, outlen, "ICMPv6 %s %s %s > %s", name, t, s, d);
  } else if (m[0] == 143) {
    snprintf(out, outlen, "ICMPv6 %s %u records %s > %s len %u", name, be16(m + 6), s, d, plen);
  } else if (m[0] == 2) {
    snprintf(out, outlen, "ICMPv6 %s mtu %u %s > %s len %u", name, (unsigned)be_n(m + 4, 4), s, d, plen);
  } else {
    snprintf(out, outlen, "ICMPv6 %s code %u %s > %s len %u", name, m[1], s, d, plen);
  }
}

static void ipv6_summary(const uint8_t *f, size_t len, char *out, size_t outlen)
{
  const uint8_t *ip = f + ETH_HLEN;
  size_t iplen = len - ETH_HLEN;
  char s[48], d[48];
  if (iplen < IPV6_HLEN) {
    snprintf(out, outlen, "IPv6 truncated (%zu bytes)", len);
    return;
  }
  fmt_value(s, sizeof(s), FMT_IP6, ip + 8, 0);
  fmt_value(d, sizeof(d), FMT_IP6, ip + 24, 0);
  unsigned plen = be16(ip + 4), nh = ip[6];
  size_t at = IPV6_HLEN;
  char pre[64] = "";
  /* Skip the extension headers, naming a fragment on the way. */
  for (int n = 0; n < IPV6_MAX_EXT && at + 8 <= iplen; n++) {
    if (nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS) {
      nh = ip[at];
      at += ((size_t)ip[at + 1] + 1U) * 8U;
    } else if (nh == NH_FRAGMENT) {
      unsigned word = be16(ip + at + 2), off = word & 0xfff8U;
      uint32_t id = be_n(ip + at + 4, 4);
      nh = ip[at];
      at += 8;
      if (off != 0) {
        snprintf(out, outlen, "IPv6 fragment %s > %s nh %u id 0x%08x off %u%s len %u", s, d, nh, (unsigned)id, off,
                 (word & 1U) ? " M" : "", plen);
        return;
      }
      if (word & 1U) {
        snprintf(pre, sizeof(pre), "IPv6 first fragment id 0x%08x: ", (unsigned)id);
      }
    } else {
      break;
    }
  }
  size_t used = strlen(pre);
  snprintf(out, outlen, "%s", pre);
  if (used >= outlen) {
    return;
  }
  out += used;
  outlen -= used;
  if (nh == NH_ICMP6 && at + 8 <= iplen) {
    icmp6_summary(ip + at, iplen - at, s, d, plen, out, outlen);
  } else if (nh == PROTO_UDP && at + 8 <= iplen) {
    unsigned ulen = be16(ip + at + 4);
    snprintf(out, outlen, "UDP %s.%u > %s.%u len %u", s, be16(ip + at), d, be16(ip + at + 2), ulen >= 8 ? ulen - 8 : 0);
  } else if (nh == NH_NONE) {
    snprintf(out, outlen, "IPv6 no-next-header %s > %s len %u", s, d, plen);
  } else {
    snprintf(out, outlen, "IPv6 nh %u %s > %s len %u", nh, s, d, plen);
  }
}

void decode_summary(const uint8_t *f, size_t len, char *out, size_t outlen)
{
  if (len < ETH_HLEN) {
    snprintf(out, outlen, "runt frame (%zu bytes)", len);
    return;
  }
  unsigned type = be16(f + 12);
  if (type == ETHTYPE_ARP) {
    const uint8_t *a = f + ETH_HLEN;
    char sm[18], si[16], ti[16];
    if (len < ETH_HLEN + ARP_LEN) {
      snprintf(out, outlen, "ARP truncated (%zu bytes)", len);
      return;
    }
    fmt_value(sm, sizeof(sm), FMT_MAC, a + 8, 0);
    fmt_value(si, sizeof(si), FMT_IP4, a + 14, 0);
    fmt_value(ti, sizeof(ti), FMT_IP4, a + 24, 0);
    unsigned op = be16(a + 6);
    if (op == 1 && memcmp(a + 14, a + 24, 4) == 0) {
      snprintf(out, outlen, "ARP announce %s is-at %s", si, sm);
    } else if (op == 1) {
      snprintf(out, outlen, "ARP who-has %s tell %s", ti, si);
    } else if (op == 2) {
      snprintf(out, outlen, "ARP reply %s is-at %s", si, sm);
    } else {
      snprintf(out, outlen, "ARP op %u %s > %s", op, si, ti);
    }
  } else if (type == ETHTYPE_IPV4) {
    ipv4_summary(f, len, out, outlen);
  } else if (type == ETHTYPE_IPV6) {
    ipv6_summary(f, len, out, outlen);
  } else {
    snprintf(out, outlen, "ethertype 0x%04x len %zu", type, len);
  }
}
