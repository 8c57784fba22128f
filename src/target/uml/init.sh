#!/bin/sh
# PID 1 of the User-Mode Linux target (src/target/uml.ts). The root file system is the host's,
# read-only through hostfs, so the host's ip, stty, ss and node run here unchanged. The kernel
# hands our parameters over as environment variables:
#   tcpfsm_addr   the target address with its prefix (198.18.x.2/30) for vec0
#   tcpfsm_addr6  its IPv6 address (the lab's ULA, fd00:7c9f:x::2/64), optional
#   tcpfsm_node   the host's node binary       tcpfsm_agent   dist/src/lab/agent/main.js
#   tcpfsm_probe, tcpfsm_rto_min_ms (optional)  an RTO floor towards the probe (the route's rto_min)
# The agent speaks its protocol on /dev/tty1 (con1: a socket pair to the harness) while boot and
# error messages go to the console (con0: linux.uml's stdout).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

fail() {
  echo "tcpfsm init: $*" >/dev/console
  poweroff -f -f
}

mount -t proc proc /proc || fail "cannot mount /proc"
# Every program started here costs ~0.1 s (each of its system calls is a round of ptrace), so the
# modules are loaded by one perl and the links and addresses set by one `ip -batch`.
if [ -n "$tcpfsm_addr6" ]; then
  # IPv6 is a module in Debian's UML kernel, and the host whose files the guest runs may have no
  # insmod: perl's syscall() calls finit_module(2) (313 on x86-64) on each file, dependency first.
  mods=/usr/lib/uml/modules/$(uname -r)/kernel
  perl -e 'for (@ARGV) { open(my $f, "<", $_) or die "$_: $!\n"; my $none = ""; syscall(313, fileno($f), $none, 0) == 0 or die "finit_module $_: $!\n" }' \
    "$mods/lib/crc-ccitt.ko" "$mods/net/ipv6/ipv6.ko" 2>/dev/console || fail "cannot load IPv6 from $mods"
  # No router advertisements on the lab link.
  echo 0 >/proc/sys/net/ipv6/conf/default/accept_ra
  echo 0 >/proc/sys/net/ipv6/conf/vec0/accept_ra
fi
{
  echo "link set dev lo up"
  echo "address add $tcpfsm_addr dev vec0"
  # nodad: usable at once, as the probe's (RFC 4862 5.4).
  [ -z "$tcpfsm_addr6" ] || echo "address add $tcpfsm_addr6 dev vec0 nodad"
  echo "link set dev vec0 up"
  [ -z "$tcpfsm_rto_min_ms" ] || echo "route add $tcpfsm_probe/32 dev vec0 rto_min ${tcpfsm_rto_min_ms}ms"
} | ip -batch - 2>/dev/console || fail "cannot set up lo and vec0 (addresses $tcpfsm_addr $tcpfsm_addr6, rto_min '${tcpfsm_rto_min_ms}')"

# Raw and without echo: no line editing, no 4096-byte line limit, our lines not sent back.
stty -F /dev/tty1 raw -echo || fail "cannot set /dev/tty1 to raw mode"

# The tty is bridged through two cats so that the agent sees pipes: when the harness closes its
# end, UML hangs the tty up, and node, had it the tty itself, would abort while restoring the
# tty's mode at exit. With pipes the readers see EOF and everything exits in order.
cat /dev/tty1 | "$tcpfsm_node" "$tcpfsm_agent" 2>/dev/console | cat >/dev/tty1

# The agent is gone (the harness closed the channel, or it crashed): power the guest off.
poweroff -f -f
