/**
 * @file prot/iana.h
 * Numbers assigned by IANA that lwIP's applications name: hardware types
 * (RFC 826 ar$hrd, the "Hardware Types" registry) and well-known ports
 * (RFC 6335, the "Service Name and Transport Protocol Port Number"
 * registry).  lwIP's enum names, so an application's
 * `#define SNTP_PORT LWIP_IANA_PORT_SNTP` compiles unchanged.
 */
#ifndef LWIP_PROT_IANA_H
#define LWIP_PROT_IANA_H

#ifdef __cplusplus
extern "C" {
#endif

/** Hardware types (ARP ar$hrd, DHCP htype). */
enum lwip_iana_hwtype {
  LWIP_IANA_HWTYPE_ETHERNET = 1,
};

/** Well-known and registered ports. */
enum lwip_iana_port_number {
  LWIP_IANA_PORT_SMTP = 25,
  LWIP_IANA_PORT_DHCP_SERVER = 67,
  LWIP_IANA_PORT_DHCP_CLIENT = 68,
  LWIP_IANA_PORT_TFTP = 69,
  LWIP_IANA_PORT_HTTP = 80,
  LWIP_IANA_PORT_SNTP = 123,
  LWIP_IANA_PORT_NETBIOS = 137,
  LWIP_IANA_PORT_SNMP = 161,
  LWIP_IANA_PORT_SNMP_TRAP = 162,
  LWIP_IANA_PORT_HTTPS = 443,
  LWIP_IANA_PORT_SMTPS = 465,
  LWIP_IANA_PORT_DHCP6_CLIENT = 546,
  LWIP_IANA_PORT_DHCP6_SERVER = 547,
  LWIP_IANA_PORT_MQTT = 1883,
  LWIP_IANA_PORT_MDNS = 5353,
  LWIP_IANA_PORT_SECURE_MQTT = 8883,
};

#ifdef __cplusplus
}
#endif

#endif /* LWIP_PROT_IANA_H */
