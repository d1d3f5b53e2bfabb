#!/usr/bin/env python3
"""Layering rules of docs/architecture.md, checked on the source tree:

1. Nothing outside core/ (daemon/, port-unix/, tools/) includes lwip/priv/.
2. The daemon's command modules call no function of cmds.c or ctl.c: they
   depend on args.c and the ctl_* services (struct ctl_ops) only, so the
   daemon files form no circle.
3. No daemon source file includes another .c file, and the daemon's own
   headers include each other without a cycle.
4. lwip-replay defines none of the daemon's functions: it provides the
   command services through struct ctl_ops, not by copying code or faking
   link-time symbols.

Prints one line per broken rule and exits 1, or says what it checked."""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
problems = []


def sources(*dirs, exts=(".c", ".h")):
    for d in dirs:
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in files:
                if f.endswith(exts):
                    yield os.path.join(root, f)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


# 1
checked = 0
for path in sources("daemon", "port-unix", "tools"):
    checked += 1
    for n, line in enumerate(read(path).splitlines(), 1):
        if re.match(r'\s*#\s*include\s*["<]lwip/priv/', line):
            problems.append(f"{os.path.relpath(path, top)}:{n}: includes a core-private header: {line.strip()}")

# 2
daemon = os.path.join(top, "daemon")
defined = {}
for name in ("cmds.c", "ctl.c"):
    text = read(os.path.join(daemon, name))
    for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?\b(\w+)\(", text, re.M):
        defined[m.group(1)] = name
modules = ["apps.c", "ping.c", "netapps.c", "tcpcmds.c", "sock.c", "iperf.c", "sntpcmds.c", "mdnscmds.c", "httpcmds.c", "tftpcmds.c", "ip6cmds.c", "args.c", "ctlops.c"]
for mod in modules:
    path = os.path.join(daemon, mod)
    if not os.path.exists(path):
        continue
    text = read(path)
    for fn, owner in defined.items():
        if fn.startswith(("ctl_", "cmds_find")) and owner == "cmds.c" and fn == "ctl_cmd_lookup":
            continue
        if re.search(r"\b" + re.escape(fn) + r"\s*\(", text):
            problems.append(f"daemon/{mod} calls {fn}() of daemon/{owner}: command modules may use args.c "
                            f"and the ctl_* services only")

# 3
graph = {}
for path in sources("daemon"):
    rel = os.path.basename(path)
    incs = re.findall(r'^\s*#\s*include\s*"([^"]+)"', read(path), re.M)
    for inc in incs:
        if inc.endswith(".c"):
            problems.append(f"daemon/{rel} includes a .c file: {inc}")
    if rel.endswith(".h"):
        graph[rel] = [i for i in incs if os.path.exists(os.path.join(daemon, i))]


def cycle_from(node, stack):
    if node in stack:
        return stack[stack.index(node):] + [node]
    for nxt in graph.get(node, []):
        c = cycle_from(nxt, stack + [node])
        if c:
            return c
    return None


for h in graph:
    c = cycle_from(h, [])
    if c:
        problems.append("daemon headers include each other in a circle: " + " -> ".join(c))
        break

# 4
daemon_fns = set()
for path in sources("daemon", exts=(".c",)):
    for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?\b(\w+)\([^;]*$", read(path), re.M):
        daemon_fns.add(m.group(1))
replay = os.path.join(top, "tools", "replay", "lwip-replay.c")
for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?\b(\w+)\([^;]*$", read(replay), re.M):
    if m.group(1) in daemon_fns and m.group(1) != "main":
        problems.append(f"tools/replay/lwip-replay.c defines {m.group(1)}(), a daemon function")

for p in problems:
    print("layering:", p)
if problems:
    sys.exit(1)
print(f"layering: {checked} files outside core/ include no lwip/priv/; {len(modules)} command modules call nothing "
      f"in cmds.c/ctl.c; {len(graph)} daemon headers without a cycle; lwip-replay copies no daemon function")
