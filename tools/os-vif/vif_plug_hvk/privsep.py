# SPDX-License-Identifier: BSD-3-Clause
"""The privileged side: ip and hvk need CAP_NET_ADMIN, which nova-compute
(an unprivileged user) gets through an oslo.privsep daemon, as os-vif's own
plugins do.  The entrypoints run only those two programs: one that ran any
argv would hand every caller of the daemon root."""
import os
import subprocess

from oslo_privsep import capabilities as caps
from oslo_privsep import priv_context

vif_plug = priv_context.PrivContext(
    "vif_plug_hvk",
    cfg_section="vif_plug_hvk_privileged",
    pypath=__name__ + ".vif_plug",
    capabilities=[caps.CAP_NET_ADMIN],
)


def _run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as e:
        return 127, "", "%s: %s" % (argv[0], e.strerror)
    return p.returncode, p.stdout, p.stderr


@vif_plug.entrypoint
def ip(args):
    """ip ARGS...: (exit status, stdout, stderr)."""
    return _run(["ip", *args])


@vif_plug.entrypoint
def hvk(args):
    """hvk ARGS... ($HVK, else hvk on PATH): (exit status, stdout, stderr)."""
    return _run([os.environ.get("HVK", "hvk"), *args])
