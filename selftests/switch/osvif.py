#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""os_vif calls for osvif.sh, one per run:
  osvif.py plugins                          the loaded plugins, one a line
  osvif.py plug TAP SWITCH VLAN MTU MAC     plug a VIFGeneric (VLAN 0: none)
  osvif.py unplug TAP SWITCH
A failure prints the exception's class and message and exits 1."""
import sys
import uuid

import os_vif
from os_vif import objects


def vif_of(tap, switch, vlan=0, mtu=0, mac=None):
    network = objects.network.Network(id=str(uuid.uuid4()), bridge=switch)
    if vlan:
        network.vlan = vlan
    if mtu:
        network.mtu = mtu
    vif = objects.vif.VIFGeneric(id=str(uuid.uuid4()), plugin="hvk", vif_name=tap,
                                 network=network)
    if mac:
        vif.address = mac
    return vif


def main(argv):
    os_vif.initialize()
    instance = objects.instance_info.InstanceInfo(uuid=str(uuid.uuid4()), name="osvif-test")
    try:
        if argv[0] == "plugins":
            print("\n".join(p.plugin_name for p in os_vif.host_info().plugin_info))
        elif argv[0] == "plug":
            tap, switch, vlan, mtu, mac = argv[1:]
            os_vif.plug(vif_of(tap, switch, int(vlan), int(mtu), mac), instance)
        elif argv[0] == "unplug":
            os_vif.unplug(vif_of(argv[1], argv[2]), instance)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except os_vif.exception.ExceptionBase as e:
        print("%s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
