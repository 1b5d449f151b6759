#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""os_vif calls for osvif.sh, one per line of stdin, in one process (importing
os_vif and its plugins takes many seconds under TCG):
  plugins                          the loaded plugins, one a line
  plug TAP SWITCH VLAN MTU MAC     plug a VIFGeneric (VLAN 0: none)
  unplug TAP SWITCH
Each answer ends with a line "rc=N": 0, or 1 after a line with the
exception's class and message, or 2 for a bad command."""
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


def run(argv, instance):
    try:
        if argv[:1] == ["plugins"]:
            print("\n".join(p.plugin_name for p in os_vif.host_info().plugin_info))
        elif argv[:1] == ["plug"] and len(argv) == 6:
            tap, switch, vlan, mtu, mac = argv[1:]
            os_vif.plug(vif_of(tap, switch, int(vlan), int(mtu), mac), instance)
        elif argv[:1] == ["unplug"] and len(argv) == 3:
            os_vif.unplug(vif_of(argv[1], argv[2]), instance)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except os_vif.exception.ExceptionBase as e:
        print("%s: %s" % (type(e).__name__, e))
        return 1
    return 0


def main():
    os_vif.initialize()
    instance = objects.instance_info.InstanceInfo(uuid=str(uuid.uuid4()), name="osvif-test")
    for line in sys.stdin:
        print("rc=%d" % run(line.split(), instance), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
