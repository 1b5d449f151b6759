# SPDX-License-Identifier: GPL-2.0
"""libvirt domain XML -> hvk ports: shared by the QEMU hook and the event daemon.

A domain names the hvk switch of each of its taps in its metadata (libvirt
keeps no switch for <interface type='ethernet'>):

  <metadata>
    <hvk:ports xmlns:hvk="https://hvkit.dev/libvirt/1">
      <hvk:port target="vm1-eth0" switch="sw0" security="mac">
        <vlan trunk="yes"><tag id="42" nativeMode="untagged"/><tag id="47"/></vlan>
        <bandwidth>
          <inbound average="1000" peak="5000" burst="1024"/>
          <outbound average="128"/>
        </bandwidth>
      </hvk:port>
    </hvk:ports>
  </metadata>

`virsh metadata DOMAIN https://hvkit.dev/libvirt/1 --key hvk --set
'<ports><port .../></ports>'` sets the same on a defined or running domain.
target is the <target dev=...> of one of the domain's <interface
type='ethernet'>.  <vlan> and <bandwidth> are libvirt's own elements, in the
units libvirt gives tc on a Linux bridge: rates in kbytes/s of 1000 bytes,
burst in KiB.  security="mac" locks the port to the interface's <mac>
(forged transmits and MAC changes rejected); without it port security is off.
Documentation/switch.md, "libvirt".
"""
import os
import subprocess
import xml.etree.ElementTree as ET

NS = "https://hvkit.dev/libvirt/1"
HVK = os.environ.get("HVK", "hvk")
# libvirt hands <bandwidth> to tc as "<average>kbps" and "<burst>kb" on a
# Linux bridge: tc reads kbps as 1000 bytes/s and kb as 1024 bytes.
KBPS = 1000
KB = 1024
MIN_BURST = 1518	# the switch's smallest burst: one full-sized frame


class HookError(Exception):
    pass


def hvk(*args, check=True):
    try:
        p = subprocess.run([HVK, *args], capture_output=True, text=True)
    except OSError as e:
        raise HookError(f"{HVK}: {e.strerror}") from None
    if check and p.returncode:
        raise HookError(f"hvk {' '.join(args)}: {p.stderr.strip() or p.stdout.strip()}")
    return p


def is_switch(name):
    return hvk("-j", "switch", "show", name, check=False).returncode == 0


def vlan_args(vlan):
    """libvirt <vlan> -> hvk port set ... vlan arguments (none: the switch's default)."""
    if vlan is None:
        return []
    tags = vlan.findall("tag")
    if not tags:
        raise HookError("<vlan> without <tag id=...>")
    ids = []
    native = None
    for t in tags:
        try:
            vid = int(t.get("id"))
        except (TypeError, ValueError):
            raise HookError(f"<tag id='{t.get('id')}'> is not a VLAN ID") from None
        if not 1 <= vid <= 4094:
            raise HookError(f"<tag id='{vid}'> is outside 1-4094")
        mode = t.get("nativeMode")
        if mode:
            if mode not in ("tagged", "untagged") or native:
                raise HookError("nativeMode is 'tagged' or 'untagged', on one tag only")
            native = (vid, mode)
        ids.append(vid)
    trunk = vlan.get("trunk") == "yes" or len(tags) > 1
    if not trunk:
        if native:
            raise HookError("nativeMode needs trunk='yes'")
        return ["vlan", "access", str(ids[0])]
    args = ["vlan", "trunk", ",".join(map(str, ids))]
    if native:
        args += ["native", str(native[0]), native[1]]
    return args


def rate_args(elem, direction):
    """libvirt <inbound|outbound average peak burst> (tc's kbps, kb) -> hvk arguments."""
    if elem is None:
        return [direction, "off"]
    args = [direction]
    try:
        average = int(elem.get("average", "0"))
        peak = int(elem.get("peak", "0"))
        burst = int(elem.get("burst", "0"))
    except ValueError:
        raise HookError(f"<{direction}> rates must be integers (kbytes/s, kbytes)") from None
    if average <= 0:
        raise HookError(f"<{direction}> needs average > 0 (kbytes/s)")
    args += ["average", f"{average * KBPS}bps"]
    if peak:
        args += ["peak", f"{peak * KBPS}bps"]
    if burst:
        args += ["burst", str(max(burst * KB, MIN_BURST))]
    return args


def interfaces(dom):
    """{target dev: <interface>} of the domain's interfaces that name their tap."""
    out = {}
    for iface in dom.iterfind("devices/interface"):
        t = iface.find("target")
        if t is not None and t.get("dev"):
            out[t.get("dev")] = iface
    return out


def metadata_ports(dom):
    """The <port> elements of <hvk:ports>, their tags without the namespace:
    the domain XML may leave <port> and libvirt's <vlan> and <bandwidth>
    unprefixed; virsh metadata --set puts every element in the namespace."""
    out = []
    for ports in dom.iterfind(f"metadata/{{{NS}}}ports"):
        for el in ports.iter():
            if el.tag.startswith(f"{{{NS}}}"):
                el.tag = el.tag[len(NS) + 2:]
        out += [p for p in ports if p.tag == "port"]
    return out


def plan(dom, strict=True):
    """[(target, switch, hvk port set arguments)] for every <hvk:port>, all
    checked.  Not @strict: a port whose interface is not (yet) the domain's
    is left out (metadata set before a hot-plug)."""
    ifaces = interfaces(dom)
    out = []
    for p in metadata_ports(dom):
        target, switch = p.get("target"), p.get("switch")
        if not target or not switch:
            raise HookError("<hvk:port> needs target= and switch=")
        iface = ifaces.get(target)
        if iface is None and not strict:
            continue
        if iface is None:
            raise HookError(f"<hvk:port target='{target}'>: the domain has no "
                            f"<interface> with <target dev='{target}'/>")
        if iface.get("type") != "ethernet":
            raise HookError(f"<hvk:port target='{target}'>: the interface is "
                            f"type='{iface.get('type')}', not 'ethernet'")
        opts = vlan_args(p.find("vlan"))
        bw = p.find("bandwidth")
        opts += rate_args(bw.find("inbound") if bw is not None else None, "inbound")
        opts += rate_args(bw.find("outbound") if bw is not None else None, "outbound")
        security = p.get("security", "off")
        if security == "mac":
            mac = iface.find("mac")
            if mac is None or not mac.get("address"):
                raise HookError(f"<hvk:port target='{target}' security='mac'>: "
                                "the interface has no <mac address=...>")
            opts += ["security", "forged-transmits", "reject", "mac-changes", "reject",
                     "mac", mac.get("address")]
        elif security == "off":
            opts += ["security", "off"]
        else:
            raise HookError(f"<hvk:port target='{target}'>: security is 'mac' or 'off'")
        out.append((target, switch, opts))
    return out


def check_bridges(dom):
    """type='bridge' cannot reach an hvk switch: say so before QEMU starts."""
    for iface in dom.iterfind("devices/interface[@type='bridge']"):
        src = iface.find("source")
        if src is not None and is_switch(src.get("bridge", "")):
            raise HookError(
                f"interface on {src.get('bridge')}: libvirt cannot attach to an hvk switch "
                "with type='bridge' (SIOCBRADDIF is Linux-bridge only); use type='ethernet' "
                "and an <hvk:port> in the domain metadata")


def check(dom):
    """Everything a start would do, checked without changing anything."""
    check_bridges(dom)
    for target, switch, _ in plan(dom):
        if not is_switch(switch):
            raise HookError(f"<hvk:port target='{target}'>: no hvk switch named {switch}")


def attach(target, switch, opts):
    """Make @target a port of @switch with @opts; a new port is undone on failure."""
    p = hvk("-j", "port", "show", target, check=False)
    added = False
    if p.returncode:
        hvk("port", "add", switch, target)
        added = True
    try:
        hvk("port", "set", target, *opts)
    except HookError:
        if added:
            hvk("port", "del", switch, target, check=False)
        raise


def tap_exists(name):
    return os.path.exists(f"/sys/class/net/{name}")


def attach_all(dom, only=None, present_only=False):
    """Attach the domain's ports (only target @only; only taps that exist)."""
    todo = [x for x in plan(dom, strict=not present_only) if only is None or x[0] == only]
    if present_only:
        todo = [x for x in todo if tap_exists(x[0])]
    for target, switch, opts in todo:
        attach(target, switch, opts)
    return [x[0] for x in todo]


def parse(text):
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        raise HookError(f"domain XML: {e}") from None
