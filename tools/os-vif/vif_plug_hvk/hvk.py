# SPDX-License-Identifier: BSD-3-Clause
"""The os-vif plugin "hvk" (Documentation/openstack.md).

It plugs os_vif.objects.vif.VIFGeneric only: a tap that the plugin, not the
hypervisor, sets up (libvirt <interface type='ethernet'>).  VIFBridge would
have libvirt attach the tap itself with the SIOCBRADDIF ioctl, which Linux
hands only to its own bridge, so an hvk switch can never be its bridge.

plug: create the tap if missing (MTU from network.mtu, up), make it a port
of the switch (network.bridge, else [os_vif_hvk] switch_name), access VLAN
network.vlan if set, port security unless the VIF says the network backend
filters its traffic.  A plug that fails undoes what it did.  unplug: detach
and delete the tap; a missing tap is already unplugged.
"""
import os

from os_vif import objects
from os_vif import plugin
from oslo_config import cfg
from oslo_log import log as logging

from vif_plug_hvk import privsep

LOG = logging.getLogger(__name__)
PLUGIN_NAME = "hvk"
SYSFS_NET = "/sys/class/net"


class HvkError(Exception):
    """A step of plug or unplug failed: the message says which, with the
    command's own error (hvk's includes the kernel's extack text)."""


def _check(what, result):
    rc, out, err = result
    if rc:
        raise HvkError("%s: %s" % (what, (err or out).strip() or "exit status %d" % rc))
    return out


def _ip(*args):
    return _check("ip " + " ".join(args), privsep.ip(list(args)))


def _hvk(*args):
    return _check("hvk " + " ".join(args), privsep.hvk(list(args)))


def _field(obj, name):
    """obj's field name, None when unset (os-vif objects raise instead)."""
    return getattr(obj, name) if obj is not None and obj.obj_attr_is_set(name) else None


def _exists(dev):
    return os.path.exists(os.path.join(SYSFS_NET, dev))


def _master(dev):
    """The name of dev's master device (its switch), or None."""
    try:
        return os.path.basename(os.readlink(os.path.join(SYSFS_NET, dev, "master")))
    except FileNotFoundError:
        return None


class HvkPlugin(plugin.PluginBase):
    """A VIF's tap as a port of an hvk switch, with its VLAN and security."""

    CONFIG_OPTS = (
        cfg.StrOpt("switch_name", default="sw0",
                   help="The hvk switch of VIFs whose network names no "
                        "bridge (network.bridge wins when set)."),
        cfg.BoolOpt("port_security", default=True,
                    help="Apply hvk port security to each port: "
                         "forged-transmits and mac-changes reject, the "
                         "VIF's address as the port's only MAC.  Skipped "
                         "for VIFs with has_traffic_filtering (the network "
                         "backend filters them itself)."),
        cfg.BoolOpt("multi_queue", default=False,
                    help="Create taps with multi_queue (the guest's "
                         "virtio-net must then be multi-queue too: a tap "
                         "opened with the other flag fails)."),
    )

    def __init__(self, config):
        super().__init__(config)
        # Root needs no privilege separation: run the commands in-process
        # rather than through a daemon started with sudo.
        if os.geteuid() == 0:
            privsep.vif_plug.set_client_mode(False)

    def describe(self):
        return objects.host_info.HostPluginInfo(
            plugin_name=PLUGIN_NAME,
            vif_info=[
                objects.host_info.HostVIFInfo(
                    vif_object_name=objects.vif.VIFGeneric.__name__,
                    min_version="1.0",
                    max_version="1.0",
                    supported_port_profiles=[]),
            ])

    def _switch(self, vif):
        return _field(_field(vif, "network"), "bridge") or self.config.switch_name

    def _security(self, vif):
        if not self.config.port_security or _field(vif, "has_traffic_filtering"):
            return []
        args = ["security", "forged-transmits", "reject", "mac-changes", "reject"]
        if _field(vif, "address"):
            args += ["mac", str(vif.address)]
        return args

    def plug(self, vif, instance_info):
        if not isinstance(vif, objects.vif.VIFGeneric):
            raise HvkError("the hvk plugin plugs VIFGeneric, not %s" % type(vif).__name__)
        undo = []
        try:
            self._plug(vif, undo)
        except Exception:
            for step in reversed(undo):
                try:
                    step()
                except HvkError as e:
                    LOG.warning("hvk: undoing a failed plug: %s", e)
            raise

    def _plug(self, vif, undo):
        tap, switch = vif.vif_name, self._switch(vif)
        network = _field(vif, "network")
        # Another switch's port is refused before anything is touched.
        master = _master(tap)
        if master is not None and master != switch:
            raise HvkError("%s is a port of %s, not of %s" % (tap, master, switch))
        if not _exists(tap):
            _ip("tuntap", "add", "dev", tap, "mode", "tap",
                *(["multi_queue"] if self.config.multi_queue else []))
            undo.append(lambda: _ip("link", "del", "dev", tap))
        if _field(network, "mtu"):
            _ip("link", "set", "dev", tap, "mtu", str(network.mtu))
        _ip("link", "set", "dev", tap, "up")

        if master is None:
            _hvk("port", "add", switch, tap)
            undo.append(lambda: _hvk("port", "del", switch, tap))

        # One request for both: "security ... mac MAC..." ends the line.
        settings = []
        if _field(network, "vlan"):
            settings += ["vlan", "access", str(network.vlan)]
        settings += self._security(vif)
        if settings:
            _hvk("port", "set", tap, *settings)

    def unplug(self, vif, instance_info):
        """Always deletes the tap, created or not by this plugin: a
        VIFGeneric's tap is the plugin's to set up and to tear down, as
        nova's own taps are."""
        tap, switch = vif.vif_name, self._switch(vif)
        if not _exists(tap):
            return
        if _master(tap) == switch:
            _hvk("port", "del", switch, tap)
        _ip("link", "del", "dev", tap)
